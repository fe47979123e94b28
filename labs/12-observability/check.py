"""Lab 12 check: your log query, the SLO alerts you saw fire and clear, and the dashboard you read.

Run: labctl labs check 12   (a second: reads ~/.labctl/labs/12, the local lab's API log, your cdk.out)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from labctl.cost.templates import Templates
from labctl.labs import checklist
from labctl.labs.answers import Doc, answers_items, lab_file, listed, read_doc, saved
from labctl.labs.checklist import Item
from labctl.labs.templates import assembly, resources

TAG = "lab12-"


def tagged_requests(api_log: Path) -> Counter[tuple[int, str | None]]:
    """The access-log lines of your tagged requests (request id starting lab12-), counted by (status, code)."""
    seen: Counter[tuple[int, str | None]] = Counter()
    for line in api_log.read_text(errors="replace").splitlines():
        if TAG not in line:
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if str(doc.get("request_id", "")).startswith(TAG) and doc.get("logger") == "api.access":
            seen[(int(doc["status"]), doc.get("error_code"))] += 1
    return seen


def check_logs(api_log: Path) -> list[Item]:
    """Step 1: your tagged requests are in the structured log, and your query's answers match it."""
    seen = tagged_requests(api_log)
    if not seen:
        return [Item("tagged requests in the API log", None, f"not done yet: no request id starting {TAG} (step 1)")]
    (status, code), _count = seen.most_common(1)[0]
    expected: dict[str, object] = {
        "tagged_requests": sum(seen.values()),
        "tagged_status": status,
        "tagged_error_code": code,
    }
    found = Item("tagged requests in the API log", True, f"{dict(seen)}")
    return [found, *answers_items(lab_file("12", "answers.json"), expected)]


def _alerts(doc: Doc, slo: str) -> list[str]:
    for entry in listed(doc, "slos"):
        if isinstance(entry, dict) and entry.get("name") == slo:
            return [str(a) for a in entry.get("alerts", [])]
    return []


def check_alerts() -> list[Item]:
    """Step 2: the availability alert fired in firing.json and is clear in cleared.json, a later window."""
    firing_path, cleared_path = lab_file("12", "firing.json"), lab_file("12", "cleared.json")
    firing, cleared = read_doc(firing_path), read_doc(cleared_path)
    items = [saved("firing.json saved", firing_path, firing), saved("cleared.json saved", cleared_path, cleared)]
    if firing is None or cleared is None:
        return items
    fired = _alerts(firing, "availability")
    items.append(Item("the availability alert fired", bool(fired), f"alerts: {fired or 'none'}"))
    later = str(cleared.get("start", "")) > str(firing.get("start", ""))
    clear = later and not _alerts(cleared, "availability")
    items.append(
        Item(
            "and cleared in a later window",
            clear,
            f"from {cleared.get('start')}: {_alerts(cleared, 'availability') or 'none'}",
        )
    )
    return items


def dashboard_titles(templates: Templates) -> list[str]:
    """The widget titles of the lab's CloudWatch dashboard (its body is a JSON string joined with tokens)."""
    titles = []
    for dash in resources(templates, "AWS::CloudWatch::Dashboard").values():
        body = dash["Properties"]["DashboardBody"]
        text = "".join(p for p in body["Fn::Join"][1] if isinstance(p, str)) if isinstance(body, dict) else body
        titles += re.findall(r'"title":"([^"]+)"', text)
    return titles


def check_dashboard(cdk_out: Path, answers: Path) -> list[Item]:
    """Step 3: the dashboard's widgets and the alarms, read from the synthesized observability stack."""
    templates, synthesized = assembly(cdk_out)
    if templates is None:
        return [synthesized]
    expected: dict[str, object] = {
        "dashboard_widgets": len(dashboard_titles(templates)),
        "alarms": len(resources(templates, "AWS::CloudWatch::Alarm", "-observability")),
        "logs_insights_widget": next((t for t in dashboard_titles(templates) if "Logs Insights" in t), None),
    }
    return [synthesized, *answers_items(answers, expected)]


def check(cdk_out: Path | None = None) -> list[Item]:
    """Logs (live), alerts (your saved reports), dashboard (your synthesized templates)."""
    from labctl.local.running import require_running

    api_log = Path(require_running().log_dir) / "api.log"
    dashboard = check_dashboard(cdk_out or lab_file("12", "cdk.out"), lab_file("12", "answers.json"))
    return check_logs(api_log) + check_alerts() + dashboard


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cdk-out", type=Path, help="a cloud assembly (default ~/.labctl/labs/12/cdk.out)")
    sys.exit(checklist.main(check, parser=parser))
