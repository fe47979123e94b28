"""A lab on moto (in-process) for the lifecycle commands, driven through labctl.cli.app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from labctl.cli import app
from labctl.lifecycle import entry

LAB, REGION = "mtb", "eu-west-1"
runner = CliRunner()


@pytest.fixture(name="aws")
def cloud_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dummy credentials, LAB_NAME, no real sleeps, every AWS call on moto."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "LAB_NAME": LAB,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(entry, "sleep", lambda s: None)
    with mock_aws():
        yield


def without_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere boto3 looks (environment, files, instance metadata)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def cli(*args: str) -> tuple[int, str]:
    """Run labctl; (exit code, output)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def stacks_in(region: str) -> list[str]:
    """The lab stacks not yet deleted in a region."""
    cfn = boto3.client("cloudformation", region_name=region)
    return [s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]


def deploy(parts: list[str]) -> None:
    """A lab on moto: a KMS key in the data stack (priced), a topic elsewhere, the expiry schedule."""
    tags: list[Any] = [{"Key": "lab:name", "Value": LAB}]
    for part in parts:
        region = "us-east-1" if part == "edge" else REGION
        body = {"Resources": {"Thing": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{LAB}-{part}"}}}}
        if part == "data":
            body["Resources"]["Key"] = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {}}}
        if part == "control":
            body["Outputs"] = {"ExpiresAt": {"Value": "2026-11-25T12:00:00Z"}}
        boto3.client("cloudformation", region_name=region).create_stack(
            StackName=f"{LAB}-{part}", TemplateBody=json.dumps(body), Tags=tags
        )
    if "control" in parts:
        boto3.client("scheduler", region_name=REGION).create_schedule(
            Name=f"{LAB}-expiry",
            ScheduleExpression="at(2026-11-25T12:00:00)",
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": "arn:aws:lambda:eu-west-1:123456789012:function:mtb-reaper",
                "RoleArn": "arn:aws:iam::123456789012:role/s",
                "Input": "{}",
            },
        )


def at(clock: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop labctl's clock at `clock`."""
    monkeypatch.setattr(entry, "clock", lambda: clock)
