"""The reaper against moto with CloudFormation's delete rules (tests/support/strict_cfn.py):
dependency order, parallel deletes, the states a stack can be left in, and the lab's own buckets."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from moto.cloudformation import models as cfn_models

from infra.lambdas.reaper.clients import Aws
from infra.lambdas.reaper.model import GONE, State
from infra.lambdas.reaper.passes import asset_refs, reap_pass
from tests.support import strict_cfn
from tests.support.reaper_lab import (
    ACCOUNT,
    BUCKET,
    CONTROL,
    LAB,
    ORDER,
    REGION,
    SESSION,
    START,
    alerts,
    config,
    deploy,
    last_outcome,
    run,
    status,
    strict_fixture,  # noqa: F401 - the `strict` fixture
)

NETWORK, DATA, COMPUTE, EDGE, OBSERVABILITY = ORDER


def _set_status(name: str, value: str) -> None:
    backend = cfn_models.cloudformation_backends[ACCOUNT][REGION]
    next(s for s in backend.stacks.values() if s.name == name).status = value


def test_one_pass_deletes_every_stack_nothing_depends_on_at_once(strict: strict_cfn.StrictCfn) -> None:
    deploy()
    cfg = config()

    first = reap_pass(
        Aws(REGION, session=SESSION), cfg, State(started_at="2026-11-25T12:00:00Z"), START, lambda s, b: None
    )

    assert first.deleting == [EDGE, OBSERVABILITY]  # independent of each other: CloudFormation runs both
    assert first.waiting[COMPUTE] == f"waits for {EDGE}, {OBSERVABILITY} to be deleted first"
    assert first.waiting[DATA] == f"waits for {COMPUTE}, {OBSERVABILITY} to be deleted first"


def test_the_lab_goes_in_dependency_order_then_the_control_stack_and_the_outcome_says_deleted(
    strict: strict_cfn.StrictCfn,
) -> None:
    lab = deploy()
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key="index.html", Body=b"<h1>")

    result = run(config(lab["topic_arn"]))

    assert result["status"] == "deleted"
    assert strict.failed == []  # no export was still in use, no bucket still full
    assert strict.deleted == [EDGE, OBSERVABILITY, COMPUTE, NETWORK, DATA, CONTROL]
    assert [status(n) for n in [*ORDER, CONTROL]] == [GONE] * 6
    recorded = last_outcome()
    assert recorded is not None
    assert (recorded["status"], recorded["by"], recorded["stacks"], recorded["failures"]) == (
        "deleted",
        "reaper",
        {},
        [],
    )
    (message,) = alerts(lab["inbox"])
    assert message["event"] == "deleted"


def test_every_version_and_delete_marker_of_a_versioned_bucket_is_removed_first(strict: strict_cfn.StrictCfn) -> None:
    deploy()
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=BUCKET, Key="app.js", Body=body)
    s3.delete_object(Bucket=BUCKET, Key="app.js")  # a delete marker on top of two versions

    result = run(config())

    assert result["status"] == "deleted"
    assert strict.failed == []
    assert BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    recorded = last_outcome()
    assert recorded is not None
    assert f"emptied bucket {BUCKET} (3 object versions) before deleting" in recorded["fixes"]


def test_a_bucket_that_is_not_the_labs_own_is_never_emptied(strict: strict_cfn.StrictCfn) -> None:
    other = f"{LAB}-2-web-{ACCOUNT}-{REGION}"  # lab "mtb-2" shares the prefix "mtb-"
    deploy(bucket=other)
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=other, Key="index.html", Body=b"theirs")

    result = run(config(deadline=timedelta(minutes=5)))

    assert result["status"] == "failed"
    assert s3.list_objects_v2(Bucket=other)["KeyCount"] == 1
    (failure,) = result["failures"]
    assert (failure["stack"], failure["logical_id"]) == (EDGE, "Web")
    assert failure["blocker"] == f"bucket {other} is not one of the lab's own buckets: not emptied"
    assert status(EDGE) == "DELETE_FAILED"
    assert status(OBSERVABILITY) == GONE  # independent of the stuck edge stack


@pytest.mark.parametrize("left_in", ["REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED"])
def test_a_stack_left_half_deployed_is_deleted_not_waited_for(strict: strict_cfn.StrictCfn, left_in: str) -> None:
    deploy()
    _set_status(COMPUTE, left_in)

    result = run(config())

    assert result["status"] == "deleted"
    assert status(COMPUTE) == GONE


def test_a_change_set_never_executed_leaves_a_stack_the_reaper_deletes(strict: strict_cfn.StrictCfn) -> None:
    deploy(skip=(EDGE,))
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_change_set(  # what `cdk deploy` leaves after Ctrl-C before executing
        StackName=EDGE, ChangeSetName="cdk-deploy-change-set", ChangeSetType="CREATE", TemplateBody='{"Resources": {}}'
    )
    assert status(EDGE) == "REVIEW_IN_PROGRESS"

    result = run(config())

    assert result["status"] == "deleted"
    assert status(EDGE) == GONE


def test_resources_still_tagged_with_the_lab_fail_the_outcome_and_keep_the_control_stack(
    strict: strict_cfn.StrictCfn,
) -> None:
    lab = deploy()
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="mtb-retained-logs")
    s3.put_bucket_tagging(Bucket="mtb-retained-logs", Tagging={"TagSet": [{"Key": "lab:name", "Value": LAB}]})

    result = run(config(lab["topic_arn"]))

    assert result["status"] == "failed"
    assert result["leftovers"] == ["arn:aws:s3:::mtb-retained-logs"]
    assert status(CONTROL) == "CREATE_COMPLETE"
    (message,) = alerts(lab["inbox"])
    assert message["leftovers"] == ["arn:aws:s3:::mtb-retained-logs"]


def test_asset_references_are_read_from_the_templates_before_they_are_deleted(strict: strict_cfn.StrictCfn) -> None:
    deploy()
    zip_key, image = "a" * 64 + ".zip", "b" * 64
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": zip_key}}},
            "Task": {"Properties": {"Image": f"1.dkr.ecr.r.amazonaws.com/cdk-x-container-assets-1-r:{image}"}},
        }
    }
    assert asset_refs(template) == [f"s3:{zip_key}", f"ecr:{image}"]
    boto3.client("cloudformation", region_name=REGION).update_stack(
        StackName=OBSERVABILITY,
        TemplateBody=json.dumps(
            {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": zip_key}}}}
        ),
    )

    run(config())

    recorded = last_outcome()
    assert recorded is not None
    assert recorded["assets"] == {REGION: [f"s3:{zip_key}"]}
