"""A small lab on moto for the reaper's tests: the real stack graph, exports and imports between
stacks (so CloudFormation's rules catch a wrong order), a VPC and a security group, the lab's
bucket by its exact name, an alert topic read through an SQS inbox, and a fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.config import STACK_DEPENDENCIES
from infra.lambdas.reaper import handler as reaper
from infra.lambdas.reaper import outcome
from infra.lambdas.reaper.clients import Aws
from infra.lambdas.reaper.model import ReaperConfig, StackRef
from infra.lambdas.reaper.passes import stack_status
from tests.support import strict_cfn

LAB = "mtb"
REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTS = ["network", "data", "compute", "edge", "observability"]
ORDER = [f"{LAB}-{p}" for p in PARTS]
CONTROL = f"{LAB}-control"
BUCKET = f"{LAB}-web-{ACCOUNT}-{REGION}"
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SESSION = boto3.Session()  # one botocore loader for every test: service models are parsed once


@pytest.fixture(name="strict")
def strict_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[strict_cfn.StrictCfn]:
    """moto (dummy credentials) with CloudFormation's delete rules installed."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield strict_cfn.install(monkeypatch)


def _export(name: str, value: Any) -> dict[str, Any]:
    return {"Value": value, "Export": {"Name": name}}


def _imports(*names: str) -> dict[str, Any]:
    return {"Fn::Join": [",", [{"Fn::ImportValue": n} for n in names]]}


NETWORK_TEMPLATE = {  # a VPC and a security group (moto's EC2 takes seconds to start: only where needed)
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}},
        "ServiceSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "service", "VpcId": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {"Sg": {"Value": {"Ref": "ServiceSg"}, "Export": {"Name": "mtb-network-sg"}}},
}


def templates(*, bucket: str = BUCKET, network: bool = False) -> dict[str, dict[str, Any]]:
    """One template per stack; each dependent imports what its dependencies export."""
    topic = {"Type": "AWS::SNS::Topic"}
    return {
        ORDER[0]: NETWORK_TEMPLATE
        if network
        else {
            "Resources": {"Sg": {**topic, "Properties": {"DisplayName": "sg"}}},
            "Outputs": {"Sg": _export("mtb-network-sg", {"Ref": "Sg"})},
        },
        ORDER[1]: {
            "Resources": {
                "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "mtb-q"}},
                "Guard": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "mtb-guard"}},
            },
            "Outputs": {"Queue": _export("mtb-data-queue", {"Fn::GetAtt": ["Queue", "Arn"]})},
        },
        ORDER[2]: {
            "Resources": {
                "Api": {**topic, "Properties": {"DisplayName": _imports("mtb-network-sg", "mtb-data-queue")}}
            },
            "Outputs": {"Api": _export("mtb-compute-api", {"Ref": "Api"})},
        },
        ORDER[3]: {
            "Resources": {
                "Web": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}},
                "Cdn": {**topic, "Properties": {"DisplayName": _imports("mtb-compute-api")}},
            }
        },
        ORDER[4]: {
            "Resources": {
                "Dash": {**topic, "Properties": {"DisplayName": _imports("mtb-compute-api", "mtb-data-queue")}}
            }
        },
        CONTROL: {"Resources": {"Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "mtb-alerts"}}}},
    }


def deploy(skip: tuple[str, ...] = (), **kw: Any) -> dict[str, str]:
    """Create the lab's stacks (tagged) and an SQS inbox subscribed to the alert topic."""
    cfn = boto3.client("cloudformation", region_name=REGION)
    for name, body in templates(**kw).items():
        if name not in skip:
            cfn.create_stack(StackName=name, TemplateBody=json.dumps(body), Tags=[{"Key": "lab:name", "Value": LAB}])
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:mtb-alerts"
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    return {"topic_arn": topic_arn, "inbox": inbox}


def alerts(inbox: str) -> list[dict[str, Any]]:
    """Messages published to the alert topic so far."""
    sqs = boto3.client("sqs", region_name=REGION)
    msgs = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


def config(topic_arn: str = "", **kw: Any) -> ReaperConfig:
    """The reaper's configuration for this lab (the graph of infra.config, poll of 20 s)."""
    stacks = [StackRef(f"{LAB}-{p}", REGION, tuple(f"{LAB}-{d}" for d in STACK_DEPENDENCIES[p])) for p in PARTS]
    return ReaperConfig(
        lab=LAB, stacks=stacks, control_stack=StackRef(CONTROL, REGION), topic_arn=topic_arn, buckets=(BUCKET,), **kw
    )


def status(name: str) -> str:
    """A stack's status on moto (GONE when deleted)."""
    return stack_status(boto3.client("cloudformation", region_name=REGION), name)


def last_outcome() -> dict[str, Any] | None:
    """What the reaper recorded in its SSM parameter."""
    return outcome.read(boto3.client("ssm", region_name=REGION), LAB)


@dataclass
class FakeTime:
    """Sleeps move the clock; the invocation's remaining time shrinks with them."""

    budget_ms: int = 900_000
    start: datetime = START
    sleeps: list[float] = field(default_factory=list)

    def seconds(self) -> float:
        return sum(self.sleeps)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds())

    def remaining_ms(self) -> int:
        return self.budget_ms - int(self.seconds() * 1000)


def run(cfg: ReaperConfig, time: FakeTime | None = None, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """One invocation of the reaper on the fake clock."""
    clock = time or FakeTime()
    return reaper.run_reaper(
        Aws(REGION, session=SESSION),
        cfg,
        event or {},
        remaining_ms=clock.remaining_ms,
        function_name=f"{LAB}-reaper",
        sleep=clock.sleeps.append,
        clock=clock.now,
    )
