"""AWS SDK calls made at deploy time (AwsCustomResource), the one way the lab's stacks make them."""

from __future__ import annotations

from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.log_group import lab_log_group


def sdk_resource(
    scope: Construct,
    construct_id: str,
    *,
    on_create: cr.AwsSdkCall,
    on_update: cr.AwsSdkCall,
    policy: cr.AwsCustomResourcePolicy,
    on_delete: cr.AwsSdkCall | None = None,
    log_group_id: str = "Logs",
) -> cr.AwsCustomResource:
    """The calls on the SDK bundled with the provider (no download at deploy time), logged a week."""
    return cr.AwsCustomResource(
        scope,
        construct_id,
        on_create=on_create,
        on_update=on_update,
        on_delete=on_delete,
        install_latest_aws_sdk=False,
        log_group=lab_log_group(scope, log_group_id),
        policy=policy,
    )
