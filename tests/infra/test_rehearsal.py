"""The lifecycle rehearsed against an AWS-shaped endpoint: every synthesized stack of both modes is
deployed into moto's server through the CloudFormation API, then `labctl status`, `labctl extend 1h`,
the reaper as its schedule invokes it, and `labctl down` run against it, with faults injected.

What cannot be rehearsed here: `labctl up` itself (its image assets need Docker to build; each is
registered as a manifest-only image instead) and every resource type moto cannot create, listed
below and stubbed by name (tests/support/cfn_stubs.py). CloudFormation's delete rules (a full
bucket, a group still in use, an export still imported) are installed on moto (strict_cfn).
Figures go to stdout (`pytest -s`) and to $REHEARSAL_REPORT when set.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra.config import stack_regions, web_bucket_name
from labctl.lifecycle import entry, teardown
from labctl.local.ports import free_port
from tests.support import rehearsal, strict_cfn
from tests.support.cloud_lab import cli
from tests.support.reaper_lab import FakeTime

ACCOUNT = rehearsal.ACCOUNT
COMMON_STUBS = {  # both modes: types moto's CloudFormation cannot create
    "AWS::Budgets::Budget",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::OriginRequestPolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Logs::QueryDefinition",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::Secret",
    "AWS::WAFv2::WebACL",
    "Custom::AWS",  # the expiry schedule's call is made by the rehearsal (rehearsal._custom_call)
    "Custom::CDKBucketDeployment",
    "Custom::S3AutoDeleteObjects",
}
STUBBED = {
    "fargate": COMMON_STUBS
    | {
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::CertificateManager::Certificate",  # requested through the ACM API instead
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::SecurityGroupIngress",  # only the rule from the CloudFront prefix list
        # the edge (us-east-1) reads the origin secret's ARN from the lab's region (eu-west-1 here)
        "Custom::CrossRegionExportReader",
        "Custom::CrossRegionExportWriter",
    },
    "lambda": COMMON_STUBS
    | {
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
    },
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server of its own (the rehearsal fills it with two labs)."""
    from moto.server import ThreadedMotoServer

    for noisy in ("werkzeug", "moto"):  # request lines; GetAtt of attributes moto lacks (on stubbed alarms)
        logging.getLogger(noisy).setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    """Every boto3 client of the test and of labctl talks to the moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    warnings.filterwarnings("ignore", message="Tried to parse")
    return boto3.Session()


def _figures(mode: str, figures: dict[str, Any]) -> None:
    print(f"\nrehearsal {mode}: {json.dumps(figures, indent=1)}")
    path = os.environ.get("REHEARSAL_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps({"mode": mode, **figures}) + "\n")


def _now(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """labctl's clock, from now on (moto stamps stacks with the real time): sleeps move it."""
    time = FakeTime(start=datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(entry, "clock", time.now)
    monkeypatch.setattr(entry, "sleep", time.sleeps.append)
    return time


def _resource_id(sess: boto3.Session, stack: str, region: str, kind: str) -> tuple[str, str]:
    listed = sess.client("cloudformation", region_name=region).list_stack_resources(StackName=stack)
    found = next(r for r in listed["StackResourceSummaries"] if r["ResourceType"] == kind)
    return found["LogicalResourceId"], found["PhysicalResourceId"]


@pytest.mark.slow
def test_fargate_lab_with_a_versioned_bucket_and_an_interface_left_in_a_group_is_reaped_to_nothing(
    aws: boto3.Session, synth_results: dict[str, Any], infra_configs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, synth = infra_configs["fargate"], synth_results["fargate"]
    lab, region, regions = config.lab_name, config.region, stack_regions(config)
    strict = strict_cfn.install(monkeypatch)
    monkeypatch.setenv("LAB_NAME", lab)
    rehearsal.hosted_zone(aws, str(config.hosted_zone_id), str(config.hosted_zone_name))
    deployed = rehearsal.deploy(aws, synth.outdir, synth.templates, regions, lab=lab)
    figures = deployed.figures()
    assert set(figures["stubbed_types"]) == STUBBED["fargate"]
    assert figures["stacks"] == 6
    assert all(r["created"] + r["stubbed"] == r["template"] for r in figures["resources"].values())

    # fault 1: the web bucket versioned, two versions of a file and a delete marker on top
    s3 = aws.client("s3", region_name="us-east-1")
    bucket = web_bucket_name(lab, ACCOUNT)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="index.html", Body=body)
    s3.delete_object(Bucket=bucket, Key="index.html")
    # fault 2: an interface left in the service's group (a task's, not yet released): DELETE_FAILED
    network = f"{lab}-network"
    _, group = _resource_id(aws, network, region, "AWS::EC2::SecurityGroup")
    _, subnet = _resource_id(aws, network, region, "AWS::EC2::Subnet")
    ec2 = aws.client("ec2", region_name=region)
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]

    time = _now(monkeypatch)
    code, out = cli("status", "--json", "--region", region)
    status = json.loads(out)
    assert (code, status["deployed"], status["expires_at"]) == (0, True, "2026-01-01T12:00:00Z")
    assert status["per_hour_usd"] > 0.05  # ALB, public addresses, a task, WAF, alarms: as estimated
    code, out = cli("extend", "1h", "--json", "--region", region)
    expires = time.start + timedelta(hours=1)
    assert (code, json.loads(out)["expires_at"]) == (0, expires.strftime("%Y-%m-%dT%H:%M:%SZ"))

    time.start, time.sleeps[:] = expires, []
    strict.clock = time.seconds
    results = rehearsal.reap_as_scheduled(aws, lab, region, time)

    assert results[-1]["status"] == "deleted", results[-1]
    assert strict.failed == [network]  # once: the interface, found and deleted, then the retry
    assert (
        ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni]}])[
            "NetworkInterfaces"
        ]
        == []
    )
    left = rehearsal.tagged(aws, lab, set(regions.values()))
    assert left == []
    code, out = cli("status", "--region", region)
    assert code == 0
    deleted_at = out.split("lab deleted at ")[1].split(" ")[0]
    assert expires <= datetime.fromisoformat(deleted_at) <= expires + timedelta(minutes=15)
    assert out.rstrip().endswith("(reaper)")
    code, out = cli("down", "--yes", "--json", "--region", region, "--purge-assets")
    report = json.loads(out)
    assert (code, report["status"]) == (0, "deleted")
    assert any(line.startswith("deleted s3://cdk-hnb659fds-assets-") for line in report["purged"])
    figures["after"] = {
        "versioned bucket + interface in a group": {
            "reaper": results[-1]["status"],
            "invocations": len(results),
            "delete_failed": strict.failed,
            "tagged_left": left,
        },
        "down --purge-assets": {
            "purged": len(report["purged"]),
            "tagged_left": rehearsal.tagged(aws, lab, set(regions.values())),
        },
    }
    _figures("fargate", figures)


@pytest.mark.slow
def test_lambda_lab_with_a_stack_in_review_and_a_key_that_never_deletes_fails_loudly_then_goes(
    aws: boto3.Session, synth_results: dict[str, Any], infra_configs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, synth = infra_configs["lambda"], synth_results["lambda"]
    lab, region, regions = config.lab_name, config.region, stack_regions(config)
    edge, observability = f"{lab}-edge", f"{lab}-observability"
    strict = strict_cfn.install(monkeypatch)
    monkeypatch.setenv("LAB_NAME", lab)
    # fault 1: Ctrl-C during `up` left the edge stack's change set unexecuted (REVIEW_IN_PROGRESS)
    deployed = rehearsal.deploy(aws, synth.outdir, synth.templates, regions, lab=lab, skip=(edge,))
    aws.client("cloudformation", region_name=regions[edge]).create_change_set(
        StackName=edge,
        ChangeSetName="cdk-deploy-change-set",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(deployed.prepared[edge].template),
    )
    figures = deployed.figures()
    assert set(figures["stubbed_types"]) == STUBBED["lambda"]
    assert figures["stacks"] == 4  # and the edge stack in review
    # fault 2: a resource that refuses every delete (DELETE_FAILED however often it is retried)
    key, _ = _resource_id(aws, observability, region, "AWS::KMS::Key")
    strict.stuck[key] = "Resource handler returned message: User is not authorized to perform kms:ScheduleKeyDeletion"

    time = _now(monkeypatch)
    code, out = cli("status", "--json", "--region", region)
    stacks = {s["name"]: s["status"] for s in json.loads(out)["stacks"]}
    assert (code, stacks[edge], stacks[observability]) == (0, "REVIEW_IN_PROGRESS", "CREATE_COMPLETE")
    assert cli("extend", "1h", "--region", region)[0] == 0
    time.start, time.sleeps[:] = time.start + timedelta(hours=1), []
    strict.clock = time.seconds
    results = rehearsal.reap_as_scheduled(aws, lab, region, time)

    assert [r["status"] for r in results] == ["continuing"] * (len(results) - 1) + ["failed"]
    assert time.seconds() == 120 * 60  # its deadline: two hours of retries with backoff
    tries = [t for stack, t in strict.attempts if stack == observability]
    assert len(tries) >= 10
    assert [round(b - a) for a, b in itertools.pairwise(tries[2:6])] == [60, 120, 240]  # doubling backoff
    standing = {s: c for s, c in _statuses(aws, regions).items() if c != "GONE"}
    # the edge stack (independent) went; what observability depends on waits; the timer stays
    assert standing == {
        f"{lab}-data": "CREATE_COMPLETE",
        f"{lab}-compute": "CREATE_COMPLETE",
        observability: "DELETE_FAILED",
        f"{lab}-control": "CREATE_COMPLETE",
    }
    code, out = cli("status", "--region", region)
    code_json, out_json = cli("status", "--json", "--region", region)
    cost = json.loads(out_json)["reaper"]["still_costing_usd_per_hour"]
    assert (code, code_json) == (1, 1)
    assert (
        f"reaper failed: {observability} {key} (AWS::KMS::Key) {strict.stuck[key]}, still costing ${cost:.4f}/h" in out
    )
    assert cost > 0.01  # the alarms, the key and the dashboard of what still stands
    monkeypatch.setattr(teardown, "TIMEOUT_SECONDS", 900)  # `down` retries for 15 min here (an hour in use)
    code, out = cli("down", "--yes", "--json", "--region", region)
    down_stuck = json.loads(out)
    assert (code, down_stuck["status"], down_stuck["failures"][0]["logical_id"]) == (1, "failed", key)

    strict.stuck.clear()  # the learner grants the permission, then runs down again
    code, out = cli("down", "--yes", "--json", "--region", region)
    assert (code, json.loads(out)["status"]) == (0, "deleted"), out
    left = rehearsal.tagged(aws, lab, set(regions.values()))
    assert left == []
    figures["after"] = {
        "review + stuck key: reaper": {
            "status": results[-1]["status"],
            "invocations": len(results),
            "delete_attempts_of_the_stuck_stack": len(tries),
            "standing": standing,
            "still_costing_usd_per_hour": cost,
        },
        "stuck key: labctl down": {"exit": 1, "stacks": down_stuck["stacks"]},
        "after the fix: labctl down": {"exit": 0, "tagged_left": left},
    }
    _figures("lambda", figures)


def _statuses(sess: boto3.Session, regions: dict[str, str]) -> dict[str, str]:
    from infra.lambdas.reaper.passes import stack_status

    return {name: stack_status(sess.client("cloudformation", region_name=r), name) for name, r in regions.items()}
