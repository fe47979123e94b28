"""The lab's reaper: EventBridge Scheduler calls it at expiry; it deletes the lab's stacks.

Plain boto3 (the Lambda runtime's copy), no labctl or api imports. One invocation makes passes
over the stacks in reverse deployment order until they are gone or its time runs short; then it
re-invokes itself asynchronously, carrying its retry counts in the event (CloudFront alone can
take longer to delete than one 15-minute Lambda invocation).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

GONE = "GONE"
DONE, WAITING, BLOCKED = "done", "waiting", "blocked"


@dataclass(frozen=True)
class StackRef:
    """One stack of the lab and the region it lives in."""

    name: str
    region: str


@dataclass(frozen=True)
class ReaperConfig:
    """What the reaper deletes and whom it tells; read from the function's environment."""

    lab: str
    stacks: list[StackRef]  # deployment order; deleted in reverse
    control_stack: StackRef
    topic_arn: str
    tag_key: str = "lab:name"
    max_retries: int = 2
    max_invocations: int = 8
    poll_seconds: float = 20.0
    reserve_ms: int = 90_000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReaperConfig:
        """Parse the environment the LabControl stack sets on the function."""
        stacks = [StackRef(s["name"], s["region"]) for s in json.loads(env["STACKS"])]
        return cls(
            lab=env["LAB_NAME"],
            stacks=stacks,
            control_stack=StackRef(env["CONTROL_STACK_NAME"], env.get("AWS_REGION", "us-east-1")),
            topic_arn=env["TOPIC_ARN"],
            tag_key=env.get("TAG_KEY", "lab:name"),
            max_retries=int(env.get("MAX_RETRIES", "2")),
            max_invocations=int(env.get("MAX_INVOCATIONS", "8")),
            poll_seconds=float(env.get("POLL_SECONDS", "20")),
        )


class Aws:
    """boto3 clients, one per service and region, created on first use."""

    def __init__(self, home_region: str, session: boto3.Session | None = None) -> None:
        self.home_region = home_region
        self._session = session or boto3.Session()

    @cache  # noqa: B019 - one Aws per invocation; the cache dies with it
    def cfn(self, region: str) -> CloudFormationClient:
        return self._session.client("cloudformation", region_name=region)

    @cache  # noqa: B019
    def tagging(self, region: str) -> ResourceGroupsTaggingAPIClient:
        return self._session.client("resourcegroupstaggingapi", region_name=region)

    @cache  # noqa: B019
    def s3(self) -> S3Client:
        return self._session.client("s3", region_name=self.home_region)

    @cache  # noqa: B019
    def sns(self) -> SNSClient:
        return self._session.client("sns", region_name=self.home_region)

    @cache  # noqa: B019
    def lambda_(self) -> LambdaClient:
        return self._session.client("lambda", region_name=self.home_region)


@dataclass
class Run:
    """State of one invocation: retries per stack and what was seen, for the final report."""

    invocation: int
    retries: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)


def stack_status(cfn: CloudFormationClient, name: str) -> str:
    """The stack's status, or GONE when it is deleted or never existed."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as err:
        if "does not exist" in str(err):
            return GONE
        raise
    status = stacks[0]["StackStatus"] if stacks else GONE
    return GONE if status == "DELETE_COMPLETE" else status


def failed_resources(cfn: CloudFormationClient, name: str) -> list[dict[str, str]]:
    """Resources that failed to delete in the stack's latest delete attempt, with the reason."""
    found: dict[str, dict[str, str]] = {}
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=name):
        for ev in page["StackEvents"]:  # newest first
            is_stack = ev.get("LogicalResourceId") == name
            if is_stack and ev.get("ResourceStatus") == "DELETE_IN_PROGRESS":
                return list(found.values())
            if not is_stack and ev.get("ResourceStatus") == "DELETE_FAILED":
                found.setdefault(
                    ev["LogicalResourceId"],
                    {
                        "stack": name,
                        "logical_id": ev["LogicalResourceId"],
                        "type": ev.get("ResourceType", ""),
                        "physical_id": ev.get("PhysicalResourceId", ""),
                        "reason": ev.get("ResourceStatusReason", ""),
                    },
                )
    return list(found.values())


def empty_buckets(cfn: CloudFormationClient, s3: S3Client, name: str) -> int:
    """Delete every object version in the stack's buckets: a non-empty bucket blocks deletion."""
    deleted = 0
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for res in page["StackResourceSummaries"]:
            bucket = res.get("PhysicalResourceId", "")
            if res["ResourceType"] == "AWS::S3::Bucket" and bucket:
                deleted += _empty_bucket(s3, bucket)
    return deleted


def _empty_bucket(s3: S3Client, bucket: str) -> int:
    deleted = 0
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if keys:  # a page holds at most 1000 keys, the DeleteObjects limit
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]
                deleted += len(keys)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
    return deleted


def notify(aws: Aws, cfg: ReaperConfig, subject: str, body: dict[str, Any]) -> None:
    """Publish one message to the lab's topic (e-mail when the learner gave --alert-email)."""
    message = json.dumps({"lab": cfg.lab, **body}, indent=2, default=str)
    LOG.info("notify %s %s", subject, message)
    if not cfg.topic_arn:  # `labctl down` reports on the terminal instead
        return
    aws.sns().publish(TopicArn=cfg.topic_arn, Subject=subject[:100], Message=message)


def reap_pass(aws: Aws, cfg: ReaperConfig, run: Run) -> str:
    """One pass: delete the last stack still standing, or wait for the one being deleted."""
    statuses = {ref.name: stack_status(aws.cfn(ref.region), ref.name) for ref in cfg.stacks}
    LOG.info("statuses %s", statuses)
    for ref in reversed(cfg.stacks):
        status = statuses[ref.name]
        if status == GONE:
            continue
        if status.endswith("_IN_PROGRESS"):
            return WAITING  # deleting, or still being created by a slow deploy
        cfn = aws.cfn(ref.region)
        if status == "DELETE_FAILED":
            failures = failed_resources(cfn, ref.name)
            run.failures.extend(failures)
            attempt = run.retries.get(ref.name, 0)
            giving_up = attempt >= cfg.max_retries
            names = ", ".join(f"{f['logical_id']} ({f['type']})" for f in failures) or "unknown resource"
            notify(
                aws,
                cfg,
                f"[{cfg.lab}] DELETE_FAILED in {ref.name}: {names}",
                {
                    "event": "delete_failed",
                    "stack": ref.name,
                    "attempt": attempt + 1,
                    "action": "giving up: delete it by hand" if giving_up else "emptying buckets and retrying",
                    "resources": failures,
                },
            )
            if giving_up:
                return BLOCKED
            run.retries[ref.name] = attempt + 1
        emptied = empty_buckets(cfn, aws.s3(), ref.name)
        LOG.info("deleting %s (emptied %d objects)", ref.name, emptied)
        cfn.delete_stack(StackName=ref.name)
        return WAITING
    return DONE


def leftovers(aws: Aws, cfg: ReaperConfig) -> list[str]:
    """ARNs still tagged with this lab outside the control stack (the tagging API lags a little)."""
    arns: list[str] = []
    for region in sorted({ref.region for ref in cfg.stacks}):
        pages = (
            aws.tagging(region)
            .get_paginator("get_resources")
            .paginate(TagFilters=[{"Key": cfg.tag_key, "Values": [cfg.lab]}])
        )
        for page in pages:
            for item in page["ResourceTagMappingList"]:
                tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
                arn = item["ResourceARN"]
                in_control = tags.get("aws:cloudformation:stack-name") == cfg.control_stack.name
                if not in_control and f":stack/{cfg.control_stack.name}/" not in arn:
                    arns.append(arn)
    return arns


def run_reaper(
    aws: Aws,
    cfg: ReaperConfig,
    event: Mapping[str, Any],
    remaining_ms: Callable[[], int],
    function_name: str,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Reap until done, blocked or out of time; returns what happened."""
    run = Run(invocation=int(event.get("invocation", 1)), retries=dict(event.get("retries", {})))
    while True:
        outcome = reap_pass(aws, cfg, run)
        if outcome == DONE:
            left = leftovers(aws, cfg)
            notify(
                aws,
                cfg,
                f"[{cfg.lab}] lab deleted" + (" (resources remain)" if left else ""),
                {
                    "event": "deleted",
                    "stacks": [s.name for s in cfg.stacks],
                    "leftovers": left,
                    "retries": run.retries,
                },
            )
            if not left:  # keep the topic and budget while something still bills
                aws.cfn(cfg.control_stack.region).delete_stack(StackName=cfg.control_stack.name)
            return {"status": "deleted", "leftovers": left, "retries": run.retries}
        if outcome == BLOCKED:
            return {"status": "failed", "failures": run.failures, "retries": run.retries}
        if remaining_ms() < cfg.reserve_ms + cfg.poll_seconds * 1000:
            if run.invocation >= cfg.max_invocations:
                notify(
                    aws,
                    cfg,
                    f"[{cfg.lab}] reaper gave up waiting",
                    {
                        "event": "timed_out",
                        "invocations": run.invocation,
                        "stacks": {s.name: stack_status(aws.cfn(s.region), s.name) for s in cfg.stacks},
                    },
                )
                return {"status": "timed_out", "retries": run.retries}
            payload = {"invocation": run.invocation + 1, "retries": run.retries}
            aws.lambda_().invoke(
                FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode()
            )
            return {"status": "continuing", **payload}
        sleep(cfg.poll_seconds)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (Scheduler target, or this function's own async re-invocation)."""
    cfg = ReaperConfig.from_env(os.environ)
    result = run_reaper(
        Aws(cfg.control_stack.region),
        cfg,
        event,
        remaining_ms=context.get_remaining_time_in_millis,
        function_name=context.function_name,
    )
    LOG.info("result %s", json.dumps(result, default=str))
    return result
