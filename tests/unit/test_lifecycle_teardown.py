"""labctl down and labctl status after it: the reaper's passes run from the laptop, the outcome
parameter, what stays in the account on purpose and --purge-assets, all against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from labctl.cost.prices import load
from tests.support.cloud_lab import (
    LAB,
    REGION,
    cli,
    cloud_lab,  # noqa: F401 - the `aws` fixture
    deploy,
    stacks_in,
)

ACCOUNT = "123456789012"
PARAMETER = f"/labctl/{LAB}/reaper-outcome"
A, B, IMAGE = "a" * 64 + ".zip", "b" * 64 + ".zip", "c" * 64
STAGING = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
REPOSITORY = f"cdk-hnb659fds-container-assets-{ACCOUNT}-{REGION}"


def test_down_after_a_partial_deploy_deletes_what_exists_and_says_what_stays(aws: None) -> None:
    deploy(["network", "data", "control"])  # compute failed: no compute, edge, observability

    exit_code, output = cli("down", "--yes", "--json", "--region", REGION)

    assert exit_code == 0, output
    report = json.loads(output)
    assert (report["status"], report["stacks"], report["failures"], report["leftovers"]) == ("deleted", {}, [], [])
    assert [item["kind"] for item in report["left_on_purpose"]] == ["outcome parameter", "bootstrap stack"]
    assert report["left_on_purpose"][0]["where"] == PARAMETER
    assert stacks_in(REGION) == []


def test_down_exits_non_zero_and_names_what_is_still_tagged(aws: None) -> None:
    deploy(["data", "control"])
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="mtb-kept", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket="mtb-kept", Tagging={"TagSet": [{"Key": "lab:name", "Value": LAB}]})

    exit_code, output = cli("down", "--yes", "--region", REGION)

    assert exit_code == 1
    assert "still exists arn:aws:s3:::mtb-kept" in output
    assert "resources_remain" in output
    assert stacks_in(REGION) == []


def test_after_down_status_says_who_deleted_the_lab_and_when(aws: None) -> None:
    deploy(["data", "control"])
    assert cli("down", "--yes", "--json", "--region", REGION)[0] == 0

    exit_code, output = cli("status", "--region", REGION)

    assert exit_code == 0
    assert f"lab {LAB} is not deployed in {REGION}" in output
    assert "lab deleted at 20" in output
    assert "(labctl down)" in output


def _outcome(**kw: Any) -> None:
    record = {
        "lab": LAB,
        "status": "failed",
        "at": (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "by": "reaper",
        "started_at": "2026-11-25T12:00:00Z",
        "invocation": 8,
        "stacks": {f"{LAB}-data": "DELETE_FAILED"},
        "waiting": {f"{LAB}-data": "DELETE_FAILED, next retry at 2026-11-25T14:05:00Z"},
        "failures": [
            {
                "stack": f"{LAB}-data",
                "logical_id": "Key",
                "type": "AWS::KMS::Key",
                "physical_id": "k-1",
                "reason": "Access Denied",
                "blocker": "",
            }
        ],
        "leftovers": [],
        "fixes": [],
        "assets": {},
        **kw,
    }
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PARAMETER, Value=json.dumps(record), Type="String", Overwrite=True
    )


def test_a_failed_reaper_is_printed_with_what_still_costs_and_status_exits_1(aws: None) -> None:
    deploy(["data", "control"])  # the data stack holds a KMS key: $1/month
    _outcome()

    exit_code, output = cli("status", "--region", REGION)

    hourly = load(REGION)["kms_key_month"].usd / 730
    assert exit_code == 1
    assert f"reaper failed: {LAB}-data Key (AWS::KMS::Key) Access Denied, still costing ${hourly:.4f}/h" in output
    exit_code, output = cli("status", "--json", "--region", REGION)
    assert exit_code == 1
    reaper = json.loads(output)["reaper"]
    assert reaper["status"] == "failed"
    assert reaper["still_costing_usd_per_hour"] == pytest.approx(hourly, abs=1e-6)


def test_a_leftover_after_the_stacks_are_gone_is_priced_by_its_type(aws: None) -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234"
    _outcome(stacks={}, waiting={}, failures=[], leftovers=[key])

    exit_code, output = cli("status", "--region", REGION)

    assert exit_code == 1
    assert f"reaper failed: {key} still exists (tagged with the lab), still costing $0.0014/h" in output


def test_an_outcome_older_than_the_lab_deployed_since_is_not_reported(aws: None) -> None:
    _outcome(at="2020-01-01T00:00:00Z")
    deploy(["data", "control"])

    exit_code, output = cli("status", "--json", "--region", REGION)

    assert exit_code == 0
    assert json.loads(output)["reaper"] is None


def _assets() -> None:
    """The staging bucket and image repository of `cdk bootstrap`, holding three of the lab's assets."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=STAGING, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for key in (A, B):
        s3.put_object(Bucket=STAGING, Key=key, Body=b"x" * 1_000_000)
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName=REPOSITORY)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"size": 10, "digest": "sha256:" + "d" * 64},
        "layers": [{"size": 2_000_000, "digest": "sha256:" + "e" * 64}],
    }
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=json.dumps(manifest), imageTag=IMAGE)


def _stack(name: str, refs: list[str]) -> None:
    display = " ".join(refs)
    body = {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": display}}}}
    tags: list[Any] = [{"Key": "lab:name", "Value": LAB}] if name.startswith(LAB) else []
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(body), Tags=tags
    )


def test_down_lists_the_labs_assets_and_purge_keeps_those_another_stack_uses(aws: None) -> None:
    _assets()
    _stack(f"{LAB}-compute", [A, B, f"{REPOSITORY}:{IMAGE}"])
    _stack("billing-app", [B])  # another app built from the same code: same hash, same object

    exit_code, output = cli("down", "--yes", "--json", "--purge-assets", "--region", REGION)

    assert exit_code == 0, output
    report = json.loads(output)
    assert report["purged"] == [
        f"deleted {REPOSITORY}:{IMAGE}",
        f"deleted s3://{STAGING}/{A}",
        f"kept s3://{STAGING}/{B}: still used by stack billing-app",
    ]
    kept = [item for item in report["left_on_purpose"] if item["kind"].startswith("asset")]
    assert [item["where"] for item in kept] == [f"s3://{STAGING}/{B}"]
    assert kept[0]["usd_month"] == pytest.approx(1_000_000 / 1024**3 * load(REGION)["s3_gb_month"].usd, abs=1e-6)
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=STAGING)["Contents"]
    assert [o["Key"] for o in listed] == [B]


def test_without_purge_down_only_reports_the_assets(aws: None) -> None:
    _assets()
    _stack(f"{LAB}-compute", [A])

    exit_code, output = cli("down", "--yes", "--region", REGION)

    assert exit_code == 0, output
    assert f"asset object: s3://{STAGING}/{A}, 1.0 MB" in output
    assert "`labctl down --purge-assets` removes the assets" in output


def test_an_outcome_the_credentials_may_not_read_is_a_clear_error(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from infra.lambdas.reaper import outcome

    def denied(ssm: Any, lab: str) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")

    monkeypatch.setattr(outcome, "read", denied)
    exit_code, output = cli("status", "--json", "--region", REGION)
    error = json.loads(output)["error"]
    assert (exit_code, error["code"]) == (2, "reaper_outcome_unreadable")
    assert PARAMETER in error["message"]
