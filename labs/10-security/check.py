"""Lab 10 check: the WAF's rules read from your synthesized template, and the live API's answers to hostile input.

Run: labctl labs check 10   (a few seconds: reads ~/.labctl/labs/10, sends your probes again to the local lab)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from labctl.cost.templates import Templates
from labctl.labs import checklist
from labctl.labs.answers import answers_items, lab_file, read_doc, saved
from labctl.labs.checklist import Item
from labctl.labs.templates import assembly, origin_headers, web_acl
from labctl.output import LabError

# the probes of README step 3: name -> (method, path template, body); {show} is a show of the catalog
PROBES: dict[str, tuple[str, str, bytes | None]] = {
    "encoded_path": ("POST", "/api/shows/{show}/hold%73", b'{"seat_ids": ["A1"]}'),
    "encoded_slash": ("GET", "/api/shows%2F{show}", None),
    "not_json": ("POST", "/api/shows/{show}/holds", b"seat_ids=A1"),
    "unknown_seat": ("POST", "/api/shows/{show}/holds", b'{"seat_ids": ["Z99"]}'),
    "too_many_seats": ("POST", "/api/shows/{show}/holds", b'{"seat_ids": [' + b",".join([b'"A1"'] * 500) + b"]}"),
    "script_in_id": ("GET", "/api/bookings/<script>alert(1)</script>", None),
}


def waf_expected(templates: Templates) -> dict[str, object]:
    """What step 2 asks about the WAF and the origin, computed from the edge template."""
    acl = web_acl(templates)
    rules = sorted(acl["Rules"], key=lambda r: r["Priority"])
    [rate] = [r["Statement"]["RateBasedStatement"] for r in rules if "RateBasedStatement" in r["Statement"]]
    blocked = [r for r in rules if "Block" in (r.get("Action") or {})]
    return {
        "waf_rules": [r["Name"] for r in rules],
        "waf_default_action": next(iter(acl["DefaultAction"])),
        "rate_limit_requests": rate["Limit"],
        "rate_limit_window_s": rate.get("EvaluationWindowSec", 300),
        "rate_limit_status": blocked[0]["Action"]["Block"].get("CustomResponse", {}).get("ResponseCode", 403),
        "origin_header": origin_headers(templates)[0],
    }


def check_waf(cdk_out: Path, answers: Path) -> list[Item]:
    templates, synthesized = assembly(cdk_out)
    if templates is None:
        return [synthesized]
    return [synthesized, *answers_items(answers, waf_expected(templates))]


def probe(client: httpx.Client, show: str, name: str) -> tuple[int, str | None]:
    """Send one probe; (status, the error envelope's code or None)."""
    method, path, body = PROBES[name]
    headers = {"content-type": "application/json"} if body else {}
    resp = client.request(method, path.replace("{show}", show), content=body, headers=headers)
    try:
        code = resp.json().get("error", {}).get("code")
    except ValueError:
        code = None
    return resp.status_code, code


def check_probes(url: str, saved_path: Path) -> list[Item]:
    """Your saved answers to each probe match what the API answers now; none is a 5xx."""
    doc = read_doc(saved_path)
    if doc is None:
        return [saved("hostile probes saved", saved_path, None)]
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            show = client.get("/api/movies").json()["items"][0]["id"]
            shows = client.get(f"/api/movies/{show}/shows").json()["items"]
            live = {name: probe(client, shows[0]["id"], name) for name in PROBES}
    except httpx.HTTPError as err:
        raise LabError("lab_unreachable", f"{url} did not answer: {err}", "labctl status --local") from err
    items = [Item("no probe got a 5xx", all(s < 500 for s, _ in live.values()), f"{live}")]
    for name, (status, code) in live.items():
        mine = doc.get(name)
        got = [mine.get("status"), mine.get("code")] if isinstance(mine, dict) else None
        items.append(Item(f"probe {name}", got == [status, code], f"API: {status} {code}; you: {got}"))
    return items


def check(cdk_out: Path | None = None, url: str | None = None) -> list[Item]:
    """Step 2 (templates) and step 3 (probes against the running local lab)."""
    if url is None:
        from labctl.local.running import require_running

        url = require_running().api_url.rstrip("/")
    waf = check_waf(cdk_out or lab_file("10", "cdk.out"), lab_file("10", "answers.json"))
    return waf + check_probes(url, lab_file("10", "probes.json"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cdk-out", type=Path, help="a cloud assembly (default ~/.labctl/labs/10/cdk.out)")
    parser.add_argument("--url", help="the API's base URL (default: the running local lab)")
    sys.exit(checklist.main(check, parser=parser))
