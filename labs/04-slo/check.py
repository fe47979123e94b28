"""Lab 04 check: the SLO report computes the expected numbers on a seeded CloudWatch, and your answers hold.

Run: python labs/04-slo/check.py [--answers labs/04-slo/answers.yaml]   (about 5 s; moto on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.labs import checklist
from labctl.slo import maths
from labctl.slo.spec import load_spec

ANSWERS = Path(__file__).resolve().parent / "answers.yaml"
MONTH = timedelta(days=30)


class Result(NamedTuple):
    name: str
    ok: bool | None  # None: not attempted yet
    detail: str


def expected_answers() -> dict[str, float]:
    """The exercise's answers, computed with the same maths the report uses."""
    return {
        "budget_minutes_99_95_30d": maths.budget(0, 1, 0.0005, MONTH).budget_minutes,
        "bad_allowed_99_9_of_2m": 0.001 * 2_000_000,
        "burn_for_5pct_in_6h": maths.burn_for_spend(0.05, timedelta(hours=6), MONTH),
        "latency_page_error_ratio": 14.4 * 0.05,
        "hours_to_exhaust_at_14_4": (maths.exhaustion(14.4, MONTH) or MONTH).total_seconds() / 3600,
    }


def check_answers(path: Path) -> list[Result]:
    """Compare answers.yaml to the computed values (1% tolerance)."""
    if not path.is_file():
        return [Result("exercise: answers.yaml", None, f"not done yet: create {path} (README, Exercise)")]
    raw: Any = yaml.safe_load(path.read_text()) or {}
    results = []
    for key, want in expected_answers().items():
        got = raw.get(key) if isinstance(raw, dict) else None
        if not isinstance(got, (int, float)):
            results.append(Result(f"exercise: {key}", None, "no number yet"))
            continue
        ok = abs(got - want) <= 0.01 * abs(want)
        results.append(Result(f"exercise: {key}", ok, f"you said {got:g}" + ("" if ok else ", recheck the maths")))
    return results


def check_report_on_moto() -> list[Result]:
    """Seed a real CloudWatch API (moto) with 10000 requests / 25 errors and read the report back."""
    import boto3
    from moto.server import ThreadedMotoServer

    from labctl.local.ports import free_port
    from labctl.slo.report import build_report
    from labctl.slo.source import CloudWatchSource

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        cw = boto3.client(
            "cloudwatch",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="lab",
            aws_secret_access_key="lab",  # noqa: S106 - moto accepts any key; never real AWS
        )
        now = datetime.now(UTC)
        dims: list[Any] = [{"Name": "Service", "Value": "booking-api"}]
        data = [("Requests", 9000, 120), ("Errors5xx", 5, 120), ("Requests", 1000, 2), ("Errors5xx", 20, 2)]
        cw.put_metric_data(
            Namespace="Labctl/Booking",
            MetricData=[
                {"MetricName": n, "Dimensions": dims, "Value": v, "Timestamp": now - timedelta(minutes=age)}
                for n, v, age in data
            ],
        )
        spec = load_spec()
        report = build_report(spec, CloudWatchSource(cw, spec.namespace, spec.dimensions), now=datetime.now(UTC))
    finally:
        server.stop()
    avail = report.slos[0]
    burn_5m, burn_1h = avail.burn_rates["5m"], avail.burn_rates["1h"]
    return [
        Result("availability SLI = 9975 / 10000", avail.sli == 0.9975, f"SLI {avail.sli}"),
        Result(
            "budget: 10 bad events allowed, 25 spent",
            (avail.budget.allowed_bad, avail.budget.bad_events) == (10.0, 25),
            f"allowed {avail.budget.allowed_bad:g}, spent {avail.budget.bad_events}",
        ),
        Result("5m burn = (20/1000)/0.001 = 20x", burn_5m == 20.0, f"5m burn {burn_5m}"),
        Result("1h burn = (20/1000)/0.001 = 20x (older data outside)", burn_1h == 20.0, f"1h burn {burn_1h}"),
        Result("page 1h/5m would fire", "page: 14.4x over 1h and 5m" in avail.alerts, f"alerts {avail.alerts}"),
    ]


def check_alert_policy() -> list[Result]:
    """The contract's alert rules spend 2% / 5% / 10% of the budget (the workbook's table)."""
    spec = load_spec()
    window = parse_duration(spec.window, SLO_WINDOW)
    spent = [
        round(maths.budget_spent_by(r.burn_rate, parse_duration(r.long, SLO_WINDOW), window), 6) for r in spec.alerting
    ]
    return [Result("alert rules spend 2%, 5%, 10%", spent == [0.02, 0.05, 0.1], f"spent {spent}")]


def check(answers: Path = ANSWERS) -> list[Result]:
    """Every item of this lab (used by `labctl labs check 04`)."""
    return check_alert_policy() + check_report_on_moto() + check_answers(answers)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=Path, default=ANSWERS)
    sys.exit(checklist.main(check, parser=parser))
