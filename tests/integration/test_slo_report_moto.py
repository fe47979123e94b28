"""`labctl slo report` against moto's CloudWatch seeded with the hand-worked DATASET: exact numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from typer.testing import CliRunner

from labctl.commands.slo import app
from tests.unit.test_slo_report import DATASET, assert_matches_expected

REGION = "eu-central-1"  # this test's own CloudWatch backend on the shared moto server


@pytest.fixture(scope="module")
def seeded(moto_server: str) -> str:
    cw = boto3.client("cloudwatch", endpoint_url=moto_server, region_name=REGION)
    now = datetime.now(UTC)
    for age, counters in DATASET:
        cw.put_metric_data(
            Namespace="Labctl/Booking",
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "Service", "Value": "booking-api"}],
                    "Timestamp": now - age,
                    "Value": value,
                    "Unit": "Count",
                }
                for name, value in counters.items()
            ],
        )
    return moto_server


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_json_report_from_moto_has_the_hand_worked_numbers(seeded: str) -> None:
    code, out = _run("--endpoint-url", seeded, "--region", REGION, "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["window"] == "30d"
    assert report["latency_p95_ms"] is None  # moto has no percentiles: reported as absent, not invented
    assert_matches_expected(report)


def test_text_report_from_moto_shows_budget_burn_and_alerts(seeded: str, tmp_path) -> None:
    page = tmp_path / "slo.html"
    code, out = _run("--endpoint-url", seeded, "--region", REGION, "--html", str(page))
    assert code == 0, out
    for line in [
        "99.850%  (19970 good / 20000 events)",
        "20.00 bad events, or 43.2 min of full outage per 30d",
        "30 bad events = 150.0% (64.8 min)",
        "-50.0% (-10.00 events)",
        "5m 20.00x  30m 10.00x  1h 10.00x  6h 5.50x  3d 2.50x",
        "ticket: 1x over 3d and 6h",
        "error budget exhausted",
        "99.150%  (1983 good / 2000 events)",
        "5m 10.00x  30m 5.00x  1h 5.00x  6h 3.00x  3d 1.20x",
        "latency p95: n/a",
        "budget remaining over time:",
    ]:
        assert line in out, line
    html = page.read_text()
    for needle in ("<table>", "availability", "<polyline"):
        assert needle in html


def test_an_empty_region_reports_no_traffic(moto_server: str) -> None:
    code, out = _run("--endpoint-url", moto_server, "--region", "ap-south-1", "--json")
    assert code == 0, out
    assert {s["status"] for s in json.loads(out)["slos"]} == {"no_data"}


def test_unreachable_cloudwatch_is_a_clean_error() -> None:
    code, out = _run("--endpoint-url", "http://127.0.0.1:9", "--region", REGION, "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "cloudwatch_unavailable"


def test_bad_window_and_since_are_clean_errors(moto_server: str) -> None:
    code, out = _run("--endpoint-url", moto_server, "--window", "30x", "--json")
    assert (code, json.loads(out)["error"]["code"]) == (2, "invalid_duration")
    code, out = _run("--endpoint-url", moto_server, "--since", "yesterday", "--json")
    assert (code, json.loads(out)["error"]["code"]) == (2, "invalid_since")


def test_a_local_endpoint_needs_no_aws_credentials(seeded: str, monkeypatch, tmp_path) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, out = _run("--endpoint-url", seeded, "--region", REGION, "--json")
    assert code == 0, out
    assert json.loads(out)["slos"][0]["total"] == 20000
