"""The lab's log groups: a week of logs, deleted with their stack (a lab leaves nothing behind)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

RETENTION = logs.RetentionDays.ONE_WEEK


def lab_log_group(scope: Construct, construct_id: str, *, name: str | None = None) -> logs.LogGroup:
    """A log group kept a week and removed on destroy; `name` only where the name is fixed (a Lambda's)."""
    return logs.LogGroup(
        scope, construct_id, log_group_name=name, retention=RETENTION, removal_policy=cdk.RemovalPolicy.DESTROY
    )
