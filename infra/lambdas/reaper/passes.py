"""One pass over the lab's stacks: delete every stack whose dependents are gone, all at once.

A stack goes only after every stack that depends on it (`StackRef.depends_on`) is gone, so
CloudFormation never meets an export still in use; stacks with no live dependents are deleted in
the same pass and CloudFormation deletes them in parallel. A stuck stack holds back only the
stacks it depends on, never an independent one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .blockers import empty_bucket, failed_resources, stack_buckets, unblock
from .model import DELETE_FAILED, GONE, PassResult, ReaperConfig, StackRef, State, is_waiting, iso, parse_iso

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

    from .clients import Aws

Notify = Callable[[str, dict[str, Any]], None]
# CDK asset references in a template: file assets are `<sha256>.zip` keys in the bootstrap staging
# bucket, image assets `<sha256>` tags in its container-assets repository.
_FILE_ASSET = re.compile(r"\b([0-9a-f]{64}\.zip)\b")
_IMAGE_ASSET = re.compile(r"container-assets-[^:\"/]+:([0-9a-f]{64})")


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


def reap_pass(aws: Aws, cfg: ReaperConfig, state: State, now: datetime, notify: Notify) -> PassResult:
    """Look at every stack once; delete those that may go now. Retries and fixes are recorded in state."""
    result = PassResult(statuses={ref.name: stack_status(aws.cfn(ref.region), ref.name) for ref in cfg.stacks})
    for ref in cfg.stacks:
        status = result.statuses[ref.name]
        if status == GONE:
            continue
        live = [d for d in cfg.dependents(ref.name) if result.statuses.get(d, GONE) != GONE]
        if live:
            result.waiting[ref.name] = f"waits for {', '.join(live)} to be deleted first"
        elif is_waiting(status):
            result.waiting[ref.name] = status
        elif status == DELETE_FAILED:
            _retry_failed(aws, cfg, ref, state, now, result, notify)
        else:
            cfn = aws.cfn(ref.region)
            for bucket in stack_buckets(cfn, ref.name, cfg.buckets):
                # A non-empty bucket fails the delete: empty it first (every version).
                count = empty_bucket(aws.s3(ref.region), bucket)
                if count:
                    state.fixes.append(f"emptied bucket {bucket} ({count} object versions) before deleting")
            cfn.delete_stack(StackName=ref.name)
            result.deleting.append(ref.name)
    return result


def _retry_failed(
    aws: Aws, cfg: ReaperConfig, ref: StackRef, state: State, now: datetime, result: PassResult, notify: Notify
) -> None:
    """DELETE_FAILED: name the blocking resources; when its backoff is over, fix what can be fixed and retry."""
    cfn = aws.cfn(ref.region)
    due_at = state.retry_at.get(ref.name)
    due = due_at is None or parse_iso(due_at) <= now
    failures = failed_resources(cfn, ref.name)
    for failure in failures:
        diagnosed, fixes = unblock(aws, cfg, ref, failure, fix=due)
        result.failures.append(diagnosed)
        state.fixes.extend(fixes)
    if due_at is not None and not due:
        result.waiting[ref.name] = f"{DELETE_FAILED}, next retry at {due_at}"
        result.retries.append(parse_iso(due_at))
        return
    attempt = state.attempts.get(ref.name, 0) + 1
    state.attempts[ref.name] = attempt
    state.retry_at[ref.name] = iso(now + cfg.backoff(attempt))
    if attempt == 1:  # one message per stuck stack; the final outcome says how it ended
        notify(
            f"[{cfg.lab}] DELETE_FAILED in {ref.name}: "
            + (", ".join(f"{f.logical_id} ({f.type})" for f in failures) or "unknown resource"),
            {
                "event": "delete_failed",
                "stack": ref.name,
                "attempt": attempt,
                "action": f"fixing what can be fixed and retrying with backoff until {cfg.deadline} after the start",
                "resources": [f.__dict__ for f in result.failures if f.stack == ref.name],
            },
        )
    cfn.delete_stack(StackName=ref.name)
    result.deleting.append(ref.name)


def leftovers(aws: Aws, cfg: ReaperConfig) -> list[str]:
    """ARNs still tagged with this lab, except the control stack's own (the tagging API lags a little)."""
    control = cfg.control_stack
    spared = _physical_ids(aws.cfn(control.region), control.name) if control.name else set()
    arns: list[str] = []
    for region in sorted({ref.region for ref in [*cfg.stacks, control]}):
        pages = (
            aws.tagging(region)
            .get_paginator("get_resources")
            .paginate(TagFilters=[{"Key": cfg.tag_key, "Values": [cfg.lab]}])
        )
        for page in pages:
            for item in page["ResourceTagMappingList"]:
                tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
                arn = item["ResourceARN"]
                in_control = bool(control.name) and (
                    tags.get("aws:cloudformation:stack-name") == control.name
                    or f":stack/{control.name}/" in arn
                    or any(arn.endswith(f":{pid}") or arn.endswith(f"/{pid}") for pid in spared)
                )
                if not in_control:
                    arns.append(arn)
    return arns


def _physical_ids(cfn: CloudFormationClient, name: str) -> set[str]:
    """The physical ids of a stack's resources (a queue by its name, not its URL); none once it is gone."""
    if stack_status(cfn, name) == GONE:
        return set()
    found = set()
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for res in page["StackResourceSummaries"]:
            pid = res.get("PhysicalResourceId", "")
            if pid:
                found.add(pid.rsplit("/", 1)[-1] if pid.startswith("https://") else pid)
    return found


def asset_refs(template: str | dict[str, Any]) -> list[str]:
    """The CDK assets a template uses: `s3:<key>` in the staging bucket, `ecr:<tag>` in the image repository."""
    text = template if isinstance(template, str) else json.dumps(template)
    files = sorted({f"s3:{m}" for m in _FILE_ASSET.findall(text)})
    return files + sorted({f"ecr:{m}" for m in _IMAGE_ASSET.findall(text)})


def collect_assets(aws: Aws, cfg: ReaperConfig, statuses: dict[str, str]) -> dict[str, list[str]]:
    """Asset references of every stack still standing, by region (read before the templates are gone)."""
    found: dict[str, set[str]] = {}
    for ref in cfg.stacks:
        if statuses.get(ref.name, GONE) in (GONE, "REVIEW_IN_PROGRESS"):
            continue
        body: Any = aws.cfn(ref.region).get_template(StackName=ref.name, TemplateStage="Original")["TemplateBody"]
        found.setdefault(ref.region, set()).update(asset_refs(body))
    return {region: sorted(refs) for region, refs in found.items() if refs}
