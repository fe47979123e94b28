"""`labctl up --image-tag SHA` hands the tag to the CDK app, which then deploys `<lab>-api:SHA` from ECR."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from labctl.cli import app
from labctl.lifecycle import cdk, entry
from labctl.output import LabError

REGION = "eu-west-1"


@pytest.fixture
def bootstrapped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAB_NAME", "taglab")
    with mock_aws():
        for region in (REGION, "us-east-1"):
            boto3.client("ssm", region_name=region).put_parameter(
                Name="/cdk-bootstrap/hnb659fds/version", Value="27", Type="String"
            )
        yield


def _synth_context(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> dict[str, str]:
    """Run `labctl up ... --dry-run` up to the synth and return the context it would synthesize with."""
    seen: dict[str, str] = {}

    def stop_at_synth(context: dict[str, str], outdir: Path, **_: object) -> None:
        seen.update(context)
        raise LabError("synth_failed", "stopped before the synth")

    monkeypatch.setattr(entry.cdk, "synth", stop_at_synth)
    result = CliRunner().invoke(app, ["up", "--region", REGION, "--dry-run", "--json", "--no-alerts", *args])
    assert json.loads(result.stdout)["error"]["message"] == "stopped before the synth"
    return seen


def test_the_image_tag_reaches_the_cdk_context(bootstrapped: None, monkeypatch: pytest.MonkeyPatch) -> None:
    context = _synth_context(monkeypatch, ["--image-tag", "3f2a9c1"])
    assert context["image_tag"] == "3f2a9c1"
    assert cdk.context_args({"image_tag": "3f2a9c1"}) == ["-c", "image_tag=3f2a9c1"]


def test_without_a_tag_the_context_leaves_it_out_and_the_dockerfile_is_built(
    bootstrapped: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = _synth_context(monkeypatch, [])
    assert context["image_tag"] == ""
    assert "image_tag=" not in " ".join(cdk.context_args(context))
