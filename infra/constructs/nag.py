"""cdk-nag acknowledgements, kept next to the resources they excuse; each carries a specific reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge cdk-nag findings `(rule_id, reason)` on a construct and its children."""
    for rule_id, reason in findings:
        if len(reason) < 20:
            raise ValueError(f"acknowledgement of {rule_id} needs a specific reason, got {reason!r}")
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


_SDK_PROVIDER_ID_PREFIX = "AWS679f53fac002430cb0da5b7982bd2287"  # CDK's fixed id of the AwsCustomResource Lambda


def acknowledge_sdk_provider(stack: cdk.Stack) -> None:
    """Acknowledge the findings on the stack's AwsCustomResource provider Lambda (one singleton per stack)."""
    provider = next(c for c in stack.node.children if c.node.id.startswith(_SDK_PROVIDER_ID_PREFIX))
    acknowledge(
        provider,
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The CDK-provided AwsCustomResource singleton Lambda role uses the AWS-managed "
            "basic execution policy (logs only); CDK does not expose it for replacement.",
        ),
        (
            "AwsSolutions-L1",
            "The CDK-provided AwsCustomResource singleton pins its own Node.js runtime, "
            "updated with aws-cdk-lib; it runs only during deployments.",
        ),
    )
