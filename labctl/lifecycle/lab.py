"""The deployed lab as AWS sees it: stacks, outputs, expiry schedule, templates, leftovers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.config import ConfigError, LabConfig, stack_dependencies, stack_regions
from labctl.output import LabError

_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
MAX_AHEAD = timedelta(hours=12)


@dataclass
class StackInfo:
    """One stack of the lab."""

    name: str
    region: str
    status: str  # "NOT_FOUND" when absent
    outputs: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "region": self.region,
            "status": self.status,
            "outputs": self.outputs,
            "created": self.created.isoformat() if self.created else None,
        }


def _widest(lab: str, region: str) -> LabConfig:
    """The fargate layout: every stack either compute mode may have (lambda mode has no network stack)."""
    try:
        return LabConfig(lab_name=lab, region=region, compute="fargate")
    except ConfigError as err:
        raise LabError(err.code, err.message, "Set LAB_NAME to 3-20 chars of a-z, 0-9 and '-'.") from None


def layout(lab: str, region: str) -> dict[str, str]:
    """Every stack a lab may have (both compute modes), name -> region, in deploy order."""
    return stack_regions(_widest(lab, region))


def dependencies(lab: str, region: str) -> dict[str, list[str]]:
    """Each stack of layout() -> the stacks it depends on (it is deleted before them)."""
    return stack_dependencies(_widest(lab, region))


def control_name(lab: str) -> str:
    return f"{lab}-control"


def managed(lab: str, region: str) -> dict[str, str]:
    """The stacks the control stack manages, in deploy order."""
    return {n: r for n, r in layout(lab, region).items() if n != control_name(lab)}


def describe(sess: boto3.Session, lab: str, region: str) -> list[StackInfo]:
    """Status and outputs of every stack of the lab."""
    infos = []
    for name, stack_region in layout(lab, region).items():
        cfn = sess.client("cloudformation", region_name=stack_region)
        try:
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as err:
            if "does not exist" not in str(err):
                raise
            infos.append(StackInfo(name, stack_region, "NOT_FOUND"))
            continue
        outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}
        infos.append(StackInfo(name, stack_region, stack["StackStatus"], outputs, stack.get("CreationTime")))
    return infos


def templates(sess: boto3.Session, infos: list[StackInfo]) -> dict[str, dict[str, Any]]:
    """The deployed templates (what was synthesized), for the same cost model as `cost estimate`.

    A stack that failed to delete keeps only the resources that still exist: those still bill."""
    found: dict[str, dict[str, Any]] = {}
    for info in infos:
        if info.status in ("NOT_FOUND", "REVIEW_IN_PROGRESS") or info.status.startswith("DELETE_COMPLETE"):
            continue
        cfn = sess.client("cloudformation", region_name=info.region)
        body: Any = cfn.get_template(StackName=info.name)["TemplateBody"]
        template = json.loads(body) if isinstance(body, str) else dict(body)
        if info.status == "DELETE_FAILED":
            gone = {
                r["LogicalResourceId"]
                for page in cfn.get_paginator("list_stack_resources").paginate(StackName=info.name)
                for r in page["StackResourceSummaries"]
                if r["ResourceStatus"] == "DELETE_COMPLETE"
            }
            template["Resources"] = {k: v for k, v in template.get("Resources", {}).items() if k not in gone}
        found[info.name] = template
    return found


def parse_at(expression: str) -> datetime:
    """`at(2026-11-25T12:00:00)` (UTC) -> datetime."""
    match = _AT.match(expression)
    if not match:
        raise LabError("unexpected_schedule", f"Schedule expression {expression!r} is not a one-time at().")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)


def get_schedule(sess: boto3.Session, lab: str, region: str) -> dict[str, Any] | None:
    """The lab's expiry schedule, or None once it fired (Scheduler deleted it) or never existed."""
    try:
        found: dict[str, Any] = dict(sess.client("scheduler", region_name=region).get_schedule(Name=f"{lab}-expiry"))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    return found


def move_schedule(sess: boto3.Session, lab: str, region: str, by: timedelta, now: datetime) -> tuple[datetime, bool]:
    """Push the expiry by `by`, capped at 12 h from now; returns (new expiry, capped)."""
    schedule = get_schedule(sess, lab, region)
    if schedule is None:
        raise LabError(
            "timer_not_found",
            f"Lab {lab!r} has no expiry schedule in {region}.",
            "Is the lab deployed there (`labctl status --region R`)? Has it already expired?",
        )
    current = parse_at(schedule["ScheduleExpression"])
    wanted = max(current, now) + by
    new = min(wanted, (now + MAX_AHEAD).replace(microsecond=0))
    # UpdateSchedule replaces the whole definition: resend every field, ActionAfterCompletion included.
    sess.client("scheduler", region_name=region).update_schedule(
        Name=schedule["Name"],
        ScheduleExpression=f"at({new.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow=schedule["FlexibleTimeWindow"],
        Target=schedule["Target"],
        State=schedule.get("State", "ENABLED"),
        Description=schedule.get("Description", ""),
        ActionAfterCompletion="DELETE",
    )
    return new, new < wanted
