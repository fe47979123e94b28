"""Is the cloud lab past its expiry? The scheduled teardown's question, asked with boto3 alone.

The reaper deletes a lab when its timer fires. This is the second safety net: a lab whose stacks
still stand a grace period after the expiry (or whose timer is gone) is due for `labctl down`.
Only boto3 and infra.config (stdlib) are imported, so the hourly check needs no project install:
`python -m labctl.cicd.expiry --lab NAME --region REGION` prints one JSON verdict.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import ConfigError, LabConfig, stack_regions

DEFAULT_GRACE = timedelta(minutes=15)  # the reaper starts at the expiry; CloudFront alone takes ~15 min
_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")


@dataclass(frozen=True)
class Verdict:
    """`due` is True when `labctl down` should run now; `reason` is a stable snake_case word."""

    lab: str
    region: str
    due: bool
    reason: str  # no_lab | running | within_grace | past_expiry | timer_gone | busy
    live_stacks: list[str]
    expires_at: str | None
    checked_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(
    lab: str,
    region: str,
    statuses: dict[str, str],
    expires_at: datetime | None,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Verdict:
    """The verdict from the stacks' statuses (absent stacks left out) and the timer's expiry, if any."""
    live = sorted(n for n, s in statuses.items() if s != "DELETE_COMPLETE")
    busy = any(s.endswith("_IN_PROGRESS") for n, s in statuses.items() if n in live)

    def verdict(due: bool, reason: str) -> Verdict:
        at = _iso(expires_at) if expires_at else None
        return Verdict(lab, region, due, reason, live, at, _iso(now))

    if not live:
        return verdict(False, "no_lab")
    if expires_at is None:
        # The timer deletes itself once it fired; stacks still standing means the reaper did not finish.
        # While a stack is mid-change (a deploy creating the timer, a teardown) wait for the next check.
        return verdict(False, "busy") if busy else verdict(True, "timer_gone")
    if now < expires_at:
        return verdict(False, "running")
    if now < expires_at + grace:
        return verdict(False, "within_grace")
    return verdict(True, "past_expiry")


def parse_at(expression: str) -> datetime | None:
    """`at(2026-11-25T12:00:00)` (UTC) -> datetime; None for any other expression."""
    match = _AT.match(expression)
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) if match else None


def observe(session: boto3.Session, lab: str, region: str) -> tuple[dict[str, str], datetime | None]:
    """Each existing stack's status (both compute modes' stacks) and the timer's expiry (None if gone)."""
    try:
        layout = stack_regions(LabConfig(lab_name=lab, region=region, compute="fargate"))
    except ConfigError as err:
        raise ValueError(f"{err.code}: {err.message}") from None
    statuses: dict[str, str] = {}
    for name, stack_region in layout.items():
        cfn = session.client("cloudformation", region_name=stack_region)
        try:
            statuses[name] = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except ClientError as err:
            if "does not exist" not in str(err):
                raise
    try:
        schedule = session.client("scheduler", region_name=region).get_schedule(Name=f"{lab}-expiry")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        return statuses, None
    return statuses, parse_at(str(schedule.get("ScheduleExpression", "")))


def check(session: boto3.Session, lab: str, region: str, now: datetime, grace: timedelta = DEFAULT_GRACE) -> Verdict:
    """Observe the lab in AWS and decide."""
    statuses, expires_at = observe(session, lab, region)
    return decide(lab, region, statuses, expires_at, now, grace)


def main(argv: list[str] | None = None) -> int:
    """Print the verdict as JSON; exit 0 whatever it says, 2 when AWS could not be asked."""
    parser = argparse.ArgumentParser(prog="python -m labctl.cicd.expiry", description=__doc__)
    parser.add_argument("--lab", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--grace-minutes", type=int, default=int(DEFAULT_GRACE.total_seconds() // 60))
    args = parser.parse_args(argv)
    grace = timedelta(minutes=max(0, args.grace_minutes))
    try:
        verdict = check(boto3.Session(region_name=args.region), args.lab, args.region, datetime.now(UTC), grace)
    except (ClientError, BotoCoreError, ValueError) as err:
        print(json.dumps({"error": {"code": "expiry_check_failed", "message": str(err)}}))
        return 2
    print(json.dumps(verdict.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
