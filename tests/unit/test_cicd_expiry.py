"""The scheduled teardown's question: is the lab past its expiry (plus grace) with stacks still standing?"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from labctl.cicd.expiry import DEFAULT_GRACE, check, decide, parse_at

REPO = Path(__file__).resolve().parents[2]
EXPIRY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTLED = {"demo-data": "CREATE_COMPLETE", "demo-control": "CREATE_COMPLETE"}


def test_a_lab_with_no_stacks_is_never_due() -> None:
    verdict = decide("demo", "eu-west-1", {}, None, EXPIRY + timedelta(days=1))
    assert (verdict.due, verdict.reason, verdict.live_stacks) == (False, "no_lab", [])


def test_deleted_stacks_do_not_count_as_a_lab() -> None:
    verdict = decide("demo", "eu-west-1", {"demo-data": "DELETE_COMPLETE"}, None, EXPIRY)
    assert verdict.reason == "no_lab"


def test_a_running_lab_is_not_due_before_its_expiry() -> None:
    verdict = decide("demo", "eu-west-1", SETTLED, EXPIRY, EXPIRY - timedelta(minutes=1))
    assert (verdict.due, verdict.reason, verdict.expires_at) == (False, "running", "2026-03-01T12:00:00Z")


def test_the_reaper_gets_the_grace_period_after_the_expiry() -> None:
    within = decide("demo", "eu-west-1", SETTLED, EXPIRY, EXPIRY + DEFAULT_GRACE - timedelta(seconds=1))
    assert (within.due, within.reason) == (False, "within_grace")
    past = decide("demo", "eu-west-1", SETTLED, EXPIRY, EXPIRY + DEFAULT_GRACE)
    assert (past.due, past.reason) == (True, "past_expiry")
    assert past.live_stacks == ["demo-control", "demo-data"]


def test_stacks_standing_after_the_timer_deleted_itself_are_due() -> None:
    verdict = decide("demo", "eu-west-1", SETTLED, None, EXPIRY)
    assert (verdict.due, verdict.reason) == (True, "timer_gone")


def test_a_lab_mid_deploy_or_mid_teardown_without_a_timer_waits_for_the_next_check() -> None:
    for status in ("CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS"):
        verdict = decide("demo", "eu-west-1", {**SETTLED, "demo-control": status}, None, EXPIRY)
        assert (verdict.due, verdict.reason) == (False, "busy")


def test_only_one_time_schedules_have_an_expiry() -> None:
    assert parse_at("at(2026-03-01T12:00:00)") == EXPIRY
    assert parse_at("rate(1 hour)") is None


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name="eu-west-1")


def _stack(sess: boto3.Session, name: str, region: str) -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    sess.client("cloudformation", region_name=region).create_stack(StackName=name, TemplateBody=json.dumps(template))


def _timer(sess: boto3.Session, at: datetime) -> None:
    sess.client("scheduler", region_name="eu-west-1").create_schedule(
        Name="demo-expiry",
        ScheduleExpression=f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:reaper", "RoleArn": "arn:aws:iam::1:role/r"},
    )


def test_check_reads_the_lab_stacks_in_their_regions_and_the_timer(aws: boto3.Session) -> None:
    _stack(aws, "demo-data", "eu-west-1")
    _stack(aws, "demo-edge", "us-east-1")  # the edge stack lives in us-east-1
    _stack(aws, "other-data", "eu-west-1")  # another lab: not this one's business
    _timer(aws, EXPIRY)
    verdict = check(aws, "demo", "eu-west-1", EXPIRY + timedelta(hours=1))
    assert (verdict.due, verdict.reason) == (True, "past_expiry")
    assert verdict.live_stacks == ["demo-data", "demo-edge"]
    assert check(aws, "demo", "eu-west-1", EXPIRY - timedelta(hours=1)).reason == "running"


def test_check_without_a_timer_or_stacks(aws: boto3.Session) -> None:
    assert check(aws, "demo", "eu-west-1", EXPIRY).reason == "no_lab"
    _stack(aws, "demo-compute", "eu-west-1")
    assert check(aws, "demo", "eu-west-1", EXPIRY).reason == "timer_gone"


def test_the_hourly_check_imports_neither_the_cli_nor_its_libraries() -> None:
    heavy = "('rich', 'typer', 'httpx', 'aws_cdk')"
    probe = f"import sys, labctl.cicd.expiry; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_module_prints_an_error_envelope_when_the_lab_name_is_invalid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "labctl.cicd.expiry", "--lab", "Bad_Name", "--region", "eu-west-1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["code"] == "expiry_check_failed"
