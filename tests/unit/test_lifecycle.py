"""labctl up/status/extend/down on AWS, every boto3 call against moto (in-process), via labctl.cli.app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from labctl.cost.prices import load
from labctl.durations import CLOUD_TTL, EXTEND, parse_duration
from labctl.lifecycle import entry
from labctl.output import LabError
from tests.support.cloud_lab import (
    LAB,
    REGION,
    at,
    cli,
    cloud_lab,  # noqa: F401 - the `aws` fixture
    deploy,
    stacks_in,
    without_credentials,
)


def test_ttl_accepts_15_minutes_to_12_hours_only() -> None:
    assert parse_duration("15m", CLOUD_TTL) == timedelta(minutes=15)
    assert parse_duration("1h30m", CLOUD_TTL) == timedelta(minutes=90)
    assert parse_duration("12h", CLOUD_TTL) == timedelta(hours=12)
    for bad, code in [
        ("0", "duration_out_of_range"),
        ("14m", "duration_out_of_range"),
        ("3d", "duration_out_of_range"),
        ("12h1m", "duration_out_of_range"),
        ("2 hours", "invalid_duration"),
        ("", "invalid_duration"),
    ]:
        with pytest.raises(LabError) as err:
            parse_duration(bad, CLOUD_TTL)
        assert err.value.code == code, bad
    assert parse_duration("1d", EXTEND) == timedelta(days=1)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--ttl", "0"], "duration_out_of_range"),
        (["--ttl", "3d"], "duration_out_of_range"),
        (["--region", "mars-north-1"], "unknown_region"),
        (["--compute", "ec2"], "invalid_compute"),
    ],
)
def test_bad_input_to_up_is_a_clear_error_and_creates_nothing(aws: None, args: list[str], code: str) -> None:
    exit_code, output = cli("up", "--yes", "--json", "--no-alerts", *args)
    assert exit_code == 2
    assert json.loads(output)["error"]["code"] == code
    assert stacks_in(REGION) == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], "no_alert_address"),
        (["--alert-email", "me@example.com", "--no-alerts"], "conflicting_alerts"),
        (["--alert-email", "not-an-address"], "invalid_alert_email"),
    ],
)
def test_up_refuses_to_start_a_lab_whose_alerts_would_reach_nobody(
    aws: None, monkeypatch: pytest.MonkeyPatch, args: list[str], code: str
) -> None:
    monkeypatch.delenv("LAB_ALERT_EMAIL", raising=False)
    exit_code, output = cli("up", "--yes", "--json", "--region", REGION, *args)
    error = json.loads(output)["error"]
    assert (exit_code, error["code"]) == (2, code)
    assert stacks_in(REGION) == []
    if code == "no_alert_address":
        assert "--no-alerts" in error["hint"]


def test_the_alert_address_may_come_from_the_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_ALERT_EMAIL", "me@example.com")
    exit_code, output = cli("up", "--yes", "--json", "--region", REGION)
    assert (exit_code, json.loads(output)["error"]["code"]) == (2, "not_bootstrapped")  # past the alert check


def test_up_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    without_credentials(monkeypatch, tmp_path)
    exit_code, output = cli("up", "--yes", "--region", REGION, "--alert-email", "me@example.com")
    assert exit_code == 2
    assert "no_credentials" in output


def test_up_in_an_account_without_cdk_bootstrap_names_the_regions_and_the_fix(aws: None) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value="27", Type="String"
    )
    exit_code, output = cli("up", "--yes", "--json", "--region", REGION, "--no-alerts")
    error = json.loads(output)["error"]
    assert exit_code == 2
    assert error["code"] == "not_bootstrapped"
    assert "us-east-1" in error["message"]  # the edge stack's region; eu-west-1 is bootstrapped
    assert "npx cdk bootstrap aws://123456789012/eu-west-1 aws://123456789012/us-east-1" in error["hint"]
    assert stacks_in(REGION) == []
    assert stacks_in("us-east-1") == []


def test_up_with_an_old_bootstrap_is_refused(aws: None) -> None:
    for region in (REGION, "us-east-1"):
        boto3.client("ssm", region_name=region).put_parameter(
            Name="/cdk-bootstrap/hnb659fds/version", Value="5", Type="String"
        )
    exit_code, output = cli("up", "--yes", "--json", "--region", REGION, "--no-alerts")
    assert (exit_code, json.loads(output)["error"]["code"]) == (2, "bootstrap_outdated")


def test_status_lists_stacks_time_left_and_cost_so_far(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(["network", "data", "compute", "edge", "control"])
    created = boto3.client("cloudformation", region_name=REGION).describe_stacks(StackName=f"{LAB}-data")["Stacks"][0][
        "CreationTime"
    ]
    at(created + timedelta(hours=2), monkeypatch)

    exit_code, output = cli("status", "--json", "--region", REGION)

    status = json.loads(output)
    assert exit_code == 0
    by_name = {s["name"]: s for s in status["stacks"]}
    assert by_name[f"{LAB}-edge"]["region"] == "us-east-1"
    assert by_name[f"{LAB}-observability"]["status"] == "NOT_FOUND"
    assert by_name[f"{LAB}-data"]["status"] == "CREATE_COMPLETE"
    assert status["expires_at"] == "2026-11-25T12:00:00Z"
    expected_hourly = load(REGION)["kms_key_month"].usd / 730  # the one billable item: a KMS key
    assert status["per_hour_usd"] == pytest.approx(expected_hourly)
    assert status["accrued_usd"] == pytest.approx(expected_hourly * 2, rel=1e-3)


def test_extend_moves_the_schedule_and_keeps_it_self_deleting(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(["data", "control"])
    at(datetime(2026, 11, 25, 11, 0, tzinfo=UTC), monkeypatch)

    exit_code, output = cli("extend", "1h", "--json", "--region", REGION)

    assert exit_code == 0
    assert json.loads(output) == {"lab": LAB, "expires_at": "2026-11-25T13:00:00Z", "capped": False}
    schedule = boto3.client("scheduler", region_name=REGION).get_schedule(Name=f"{LAB}-expiry")
    assert schedule["ScheduleExpression"] == "at(2026-11-25T13:00:00)"
    assert schedule["Target"]["Arn"].endswith(":function:mtb-reaper")


def test_extend_is_capped_at_12_hours_from_now(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(["control"])
    at(datetime(2026, 11, 25, 11, 0, tzinfo=UTC), monkeypatch)
    exit_code, output = cli("extend", "20h", "--json", "--region", REGION)
    assert exit_code == 0
    assert json.loads(output) == {"lab": LAB, "expires_at": "2026-11-25T23:00:00Z", "capped": True}


def test_extend_without_a_lab_says_there_is_no_timer(aws: None) -> None:
    exit_code, output = cli("extend", "1h", "--json", "--region", REGION)
    assert (exit_code, json.loads(output)["error"]["code"]) == (2, "timer_not_found")


def test_down_in_json_mode_needs_yes(aws: None) -> None:
    deploy(["control"])
    exit_code, output = cli("down", "--json", "--region", REGION)
    assert (exit_code, json.loads(output)["error"]["code"]) == (2, "confirmation_required")
    assert stacks_in(REGION) == [f"{LAB}-control"]


def test_a_custom_domain_resolves_to_its_public_hosted_zone(aws: None) -> None:
    r53 = boto3.client("route53")
    r53.create_hosted_zone(Name="example.com", CallerReference="a")
    r53.create_hosted_zone(Name="lab.example.com", CallerReference="b")
    zone_id = r53.list_hosted_zones_by_name(DNSName="lab.example.com")["HostedZones"][0]["Id"].split("/")[-1]

    context = entry._domain_context(boto3.Session(), "tickets.lab.example.com")

    assert context == {
        "domain": "tickets.lab.example.com",
        "hosted_zone_id": zone_id,
        "hosted_zone_name": "lab.example.com",
    }
    with pytest.raises(LabError) as err:
        entry._domain_context(boto3.Session(), "tickets.example.org")
    assert err.value.code == "hosted_zone_not_found"


def test_a_bad_lab_name_is_a_clear_error(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_NAME", "Bad_Name")
    exit_code, output = cli("status", "--json", "--region", REGION)
    assert (exit_code, json.loads(output)["error"]["code"]) == (2, "invalid_lab_name")
