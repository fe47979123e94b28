"""The reaper Lambda's handler against moto: CloudFormation stacks, S3, SNS, tagging, Lambda.

moto deletes a stack even when its bucket still holds objects (it silently leaves the bucket),
so `strict_cloudformation` makes moto behave like CloudFormation does: a non-empty bucket, or a
resource listed as stuck, turns the delete into DELETE_FAILED with a resource event and reason.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation import models as cfn_models
from moto.s3.models import FakeBucket

from infra.lambdas.reaper import handler as reaper

LAB = "mtb"
REGION = "us-east-1"
ORDER = [f"{LAB}-network", f"{LAB}-data", f"{LAB}-compute"]
CONTROL = f"{LAB}-control"


class StrictCfn:
    """Records delete order; fails deletes the way real CloudFormation would."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.stuck: set[str] = set()  # logical ids that can never be deleted


@pytest.fixture
def strict_cloudformation(monkeypatch: pytest.MonkeyPatch) -> StrictCfn:
    strict = StrictCfn()
    original = cfn_models.CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        if stack is None:
            return
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        for logical_id, res in list(stack.resource_map._parsed_resources.items()):
            reason = ""
            if isinstance(res, FakeBucket) and res.keys:
                reason = "The bucket you tried to delete is not empty"
            elif logical_id in strict.stuck:
                reason = "resource sg-0abc has a dependent object"
            if reason:
                stack.events.append(
                    cfn_models.Event(
                        stack_id=stack.stack_id,
                        stack_name=stack.name,
                        logical_resource_id=logical_id,
                        physical_resource_id=getattr(res, "physical_resource_id", logical_id),
                        resource_type=stack.template_dict["Resources"][logical_id]["Type"],
                        resource_status="DELETE_FAILED",
                        resource_status_reason=reason,
                        resource_properties=None,
                    )
                )
                stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"{logical_id}: {reason}")
                stack.status = "DELETE_FAILED"
                return
        strict.deleted.append(stack.name)
        original(self, stack.stack_id)

    monkeypatch.setattr(cfn_models.CloudFormationBackend, "delete_stack", delete_stack)
    return strict


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


def _template(resources: dict[str, Any]) -> str:
    return json.dumps({"Resources": resources})


def deploy_lab(bucket: str = "mtb-data-web") -> dict[str, str]:
    """Three lab stacks + control stack on moto, a topic with an SQS subscriber to read alerts."""
    cfn = boto3.client("cloudformation", region_name=REGION)
    tags: list[Any] = [{"Key": "lab:name", "Value": LAB}]
    bodies = {
        ORDER[0]: {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "mtb-q"}}},
        ORDER[1]: {
            "Web": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}},
            "Guard": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "mtb-guard"}},
        },
        ORDER[2]: {"Events": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "mtb-events"}}},
        CONTROL: {"Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "mtb-alerts"}}},
    }
    for name, resources in bodies.items():
        cfn.create_stack(StackName=name, TemplateBody=_template(resources), Tags=tags)
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic_arn = f"arn:aws:sns:{REGION}:123456789012:mtb-alerts"
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    return {"topic_arn": topic_arn, "inbox": inbox}


def alerts(inbox: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    msgs = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


def config(topic_arn: str, **kw: Any) -> reaper.ReaperConfig:
    return reaper.ReaperConfig(
        lab=LAB,
        stacks=[reaper.StackRef(n, REGION) for n in ORDER],
        control_stack=reaper.StackRef(CONTROL, REGION),
        topic_arn=topic_arn,
        **{"poll_seconds": 1, **kw},
    )


def status(name: str) -> str:
    return reaper.stack_status(boto3.client("cloudformation", region_name=REGION), name)


def run(
    cfg: reaper.ReaperConfig,
    remaining_ms: int = 600_000,
    event: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[float]]:
    sleeps: list[float] = []  # the fake clock: each sleep uses up the invocation's time

    def remaining() -> int:
        return remaining_ms - int(sum(sleeps) * 1000)

    result = reaper.run_reaper(
        reaper.Aws(REGION), cfg, event or {}, remaining_ms=remaining, function_name="mtb-reaper", sleep=sleeps.append
    )
    return result, sleeps


def test_stacks_are_deleted_in_reverse_order_after_emptying_the_bucket_then_the_control_stack(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    boto3.client("s3", region_name=REGION).put_object(Bucket="mtb-data-web", Key="index.html", Body=b"<h1>")

    result, _ = run(config(lab["topic_arn"]))

    assert result == {"status": "deleted", "leftovers": [], "retries": {}}
    assert strict_cloudformation.deleted == [*reversed(ORDER), CONTROL]
    assert [status(n) for n in [*ORDER, CONTROL]] == [reaper.GONE] * 4
    assert "mtb-data-web" not in [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    (message,) = alerts(lab["inbox"])
    assert message["event"] == "deleted"
    assert message["stacks"] == ORDER


def test_a_delete_failed_stack_is_retried_after_emptying_and_reported_by_resource(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket="mtb-data-web", Key="a.txt", Body=b"a")
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.delete_stack(StackName=ORDER[1])  # someone deleted the data stack by hand: it failed
    assert status(ORDER[1]) == "DELETE_FAILED"

    result, _ = run(config(lab["topic_arn"]))

    assert result["status"] == "deleted"
    assert result["retries"] == {ORDER[1]: 1}
    failed, deleted = alerts(lab["inbox"])
    assert failed["event"] == "delete_failed"
    assert failed["resources"][0]["logical_id"] == "Web"
    assert failed["resources"][0]["reason"] == "The bucket you tried to delete is not empty"
    assert deleted["event"] == "deleted"


def test_a_resource_that_never_deletes_blocks_the_stacks_it_depends_on_and_keeps_the_control_stack(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    strict_cloudformation.stuck.add("Guard")

    result, _ = run(config(lab["topic_arn"], max_retries=2))

    assert result["status"] == "failed"
    assert {f["logical_id"] for f in result["failures"]} == {"Guard"}
    assert status(ORDER[2]) == reaper.GONE
    assert status(ORDER[1]) == "DELETE_FAILED"
    assert status(ORDER[0]) == "CREATE_COMPLETE"  # the network stack must outlive its dependents
    assert status(CONTROL) == "CREATE_COMPLETE"
    messages = alerts(lab["inbox"])
    assert [m["attempt"] for m in messages] == [1, 2, 3]
    assert messages[-1]["action"] == "giving up: delete it by hand"
    assert "Guard" in json.dumps(messages[-1]["resources"])


def test_resources_still_tagged_with_the_lab_are_reported_and_the_control_stack_stays(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="mtb-retained-logs")
    s3.put_bucket_tagging(Bucket="mtb-retained-logs", Tagging={"TagSet": [{"Key": "lab:name", "Value": LAB}]})

    result, _ = run(config(lab["topic_arn"]))

    assert result["leftovers"] == ["arn:aws:s3:::mtb-retained-logs"]
    assert status(CONTROL) == "CREATE_COMPLETE"
    (message,) = alerts(lab["inbox"])
    assert message["leftovers"] == ["arn:aws:s3:::mtb-retained-logs"]


def _reaper_function() -> None:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("handler.py", "def handler(e, c):\n    return e\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="mtb-reaper",
        Runtime="python3.13",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )


def test_a_stack_still_deploying_makes_the_reaper_wait_then_hand_over_to_a_new_invocation(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    _reaper_function()
    backend = cfn_models.cloudformation_backends["123456789012"][REGION]
    next(s for s in backend.stacks.values() if s.name == ORDER[2]).status = "CREATE_IN_PROGRESS"

    waited, sleeps = run(config(lab["topic_arn"], poll_seconds=10), remaining_ms=200_000)
    handed, _ = run(config(lab["topic_arn"]), remaining_ms=100_000, event={"invocation": 3})

    # 200 s left, 10 s polls, 90 s kept in reserve: it polls until less than reserve + one poll is left
    assert waited == {"status": "continuing", "invocation": 2, "retries": {}}
    assert len(sleeps) == (200_000 - 100_000) // 10_000 + 1
    assert handed == {"status": "continuing", "invocation": 4, "retries": {}}
    assert status(ORDER[2]) == "CREATE_IN_PROGRESS"


def test_after_the_last_invocation_the_reaper_gives_up_and_says_which_stacks_remain(
    aws: None,
    strict_cloudformation: StrictCfn,
) -> None:
    lab = deploy_lab()
    backend = cfn_models.cloudformation_backends["123456789012"][REGION]
    next(s for s in backend.stacks.values() if s.name == ORDER[2]).status = "DELETE_IN_PROGRESS"

    result, _ = run(config(lab["topic_arn"], max_invocations=8), remaining_ms=1_000, event={"invocation": 8})

    assert result["status"] == "timed_out"
    (message,) = alerts(lab["inbox"])
    assert message["stacks"][ORDER[2]] == "DELETE_IN_PROGRESS"


class _Context:
    function_name = "mtb-reaper"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def test_the_lambda_entry_point_reads_its_environment(
    aws: None,
    strict_cloudformation: StrictCfn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lab = deploy_lab()
    monkeypatch.setenv("LAB_NAME", LAB)
    monkeypatch.setenv("STACKS", json.dumps([{"name": n, "region": REGION} for n in ORDER]))
    monkeypatch.setenv("CONTROL_STACK_NAME", CONTROL)
    monkeypatch.setenv("TOPIC_ARN", lab["topic_arn"])
    monkeypatch.setenv("POLL_SECONDS", "0")

    result = reaper.handler({"reason": "expired"}, _Context())

    assert result["status"] == "deleted"
    assert strict_cloudformation.deleted == [*reversed(ORDER), CONTROL]
