"""`labctl up --dry-run` with no AWS credentials at all: the real pinned CDK CLI synthesizes the lab
(offline), the estimate is read from that cloud assembly, and the plan says what it could not check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.lifecycle import entry
from tests.support.cloud_lab import without_credentials

REGION = "eu-west-1"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("LAB_NAME", "drylab")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_dry_run_needs_no_credentials_synthesizes_with_the_cdk_cli_and_estimates(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch
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
    assert (plan["account"], plan["bootstrap"]) == (None, {})
    assert plan["not_checked"] == ["credentials", "CDK bootstrap"]
    assert plan["alerts"] == "me@example.com"
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
