"""`labctl up --dry-run`: preflight against moto, then the real pinned CDK CLI synthesizes the lab
(offline), the estimate is read from that cloud assembly, and nothing is deployed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from labctl.cli import app
from labctl.lifecycle import entry

REGION = "eu-west-1"


@pytest.fixture
def bootstrapped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "LAB_NAME": "drylab",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        for region in (REGION, "us-east-1"):  # the lab region and the edge stack's region
            boto3.client("ssm", region_name=region).put_parameter(
                Name="/cdk-bootstrap/hnb659fds/version", Value="27", Type="String"
            )
        yield


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_dry_run_synthesizes_with_the_cdk_cli_estimates_and_deploys_nothing(
    bootstrapped: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry, "clock", lambda: datetime(2026, 11, 25, 10, 0, tzinfo=UTC))

    result = CliRunner().invoke(
        app,
        [
            "up",
            "--ttl",
            "2h",
            "--compute",
            "lambda",
            "--region",
            REGION,
            "--alert-email",
            "me@example.com",
            "--dry-run",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["dry_run"] is True
    assert plan["expires_at"] == "2026-11-25T12:00:00Z"
    assert plan["account"] == "123456789012"
    assert plan["bootstrap"] == {REGION: 27, "us-east-1": 27}
    control_first, everything = plan["commands"]
    assert control_first.endswith("drylab-control --exclusively")
    assert "--all" in everything
    assert "--require-approval never" in everything
    assert "-c expires_at=2026-11-25T12:00:00Z" in everything
    assert "node_modules/.bin/cdk deploy --app" in everything
    # The assembly the CLI wrote is the one estimated: its control stack carries the expiry.
    assembly = Path(everything.split("--app ")[1].split(" ")[0])
    control = json.loads((assembly / "drylab-control.template.json").read_text())
    assert control["Outputs"]["ExpiresAt"]["Value"] == "2026-11-25T12:00:00Z"
    est = plan["estimate"]
    assert est["compute"] == "lambda"
    assert est["region"] == REGION
    assert est["ttl_hours"] == 2
    assert est["per_hour_usd"] > 0
    assert {line["stack"] for line in est["lines"]} >= {"drylab-edge", "drylab-compute", "drylab-data"}
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_stacks()["StackSummaries"] == []
