"""The deploy runner: each CLI command's output is streamed, stack states are polled (moto), the
outputs file is read back, and a failing command is a clear error. A stand-in process replaces
`cdk deploy`, which cannot run without an AWS account."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from labctl.lifecycle import cdk, progress
from labctl.output import LabError

REGION = "eu-west-1"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.2)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def test_deploy_commands_put_the_timer_first_and_deploy_from_the_priced_assembly(tmp_path: Path) -> None:
    control, everything = cdk.deploy_commands(
        {"lab_name": "mtb", "domain": ""}, tmp_path / "cdk.out", "mtb-control", tmp_path / "out.json"
    )
    assert control[1:4] == ["deploy", "--app", str(tmp_path / "cdk.out")]
    assert control[-2:] == ["mtb-control", "--exclusively"]
    assert "--all" in everything
    assert everything[everything.index("--require-approval") + 1] == "never"
    assert "domain=" not in " ".join(everything)  # empty context values are left out
    assert everything[everything.index("--outputs-file") + 1] == str(tmp_path / "out.json")


def test_outputs_of_the_deploy_are_returned_and_stack_states_polled(
    session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="mtb-data", TemplateBody=json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    )
    outputs = tmp_path / "outputs.json"
    script = (
        "import json,sys,time; print('mtb-data | CREATE_COMPLETE'); time.sleep(0.3); "
        f"json.dump({{'mtb-edge': {{'Url': 'https://d1.cloudfront.net'}}}}, open({str(outputs)!r}, 'w'))"
    )
    commands = [
        [sys.executable, "-c", "print('control deployed')"],
        [sys.executable, "-c", script, "--outputs-file", str(outputs)],
    ]
    polled: list[dict[str, str]] = []
    original = progress._statuses

    def spy(sess: boto3.Session, layout: dict[str, str]) -> dict[str, str]:
        polled.append(original(sess, layout))
        return polled[-1]

    monkeypatch.setattr(progress, "_statuses", spy)
    got = progress.deploy_with_progress(session, commands, {"mtb-data": REGION, "mtb-edge": "us-east-1"}, quiet=True)

    assert got == {"mtb-edge": {"Url": "https://d1.cloudfront.net"}}
    assert {"mtb-data": "CREATE_COMPLETE", "mtb-edge": "-"} in polled


def test_a_failing_deploy_is_a_clear_error_with_the_last_lines(session: boto3.Session, tmp_path: Path) -> None:
    commands = [
        [sys.executable, "-c", "print('mtb-compute | CREATE_FAILED | AWS::ECS::Service'); raise SystemExit(1)"],
        [sys.executable, "-c", "pass", "--outputs-file", str(tmp_path / "o.json")],
    ]
    with pytest.raises(LabError) as err:
        progress.deploy_with_progress(session, commands, {"mtb-compute": REGION}, quiet=True)
    assert err.value.code == "deploy_failed"
    assert "CREATE_FAILED" in err.value.message
    assert "labctl down" in err.value.hint
