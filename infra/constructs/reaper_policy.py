"""The reaper's rights, each on the narrowest resource IAM can name, with the reason for every wildcard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from infra.constructs.nag import acknowledge
from infra.lambdas.reaper.model import outcome_parameter

# Reads stack state and templates (for the asset report), deletes; CloudFormation then acts with the
# role stored on each stack (CDK's cfn-exec role), which users of the stack may use without iam:PassRole.
STACK_ACTIONS = (
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:ListStackResources",
    "cloudformation:GetTemplate",
    "cloudformation:DeleteStack",
)
BUCKET_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")
OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
# Finding what holds a security group, subnet or VPC: EC2's Describe calls have no resource-level form.
DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "tag:GetResources")
RULE_ACTIONS = ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")


def outcome_parameter_arn(stack: cdk.Stack, lab_name: str) -> str:
    """The ARN of the outcome parameter (outside every stack; its name starts with a slash)."""
    return stack.format_arn(service="ssm", resource="parameter", resource_name=outcome_parameter(lab_name)[1:])


def grant_reaper_rights(
    role: iam.Role,
    *,
    lab_name: str,
    function_name: str,
    stacks: Mapping[str, str],
    buckets: Sequence[str],
    topic: sns.ITopic,
    log_group: logs.ILogGroup,
    tag_key: str,
) -> None:
    """stacks: name -> region of every stack it deletes, the control stack included; buckets by exact name."""
    stack = cdk.Stack.of(role)
    stack_arns = [
        stack.format_arn(service="cloudformation", region=region, resource="stack", resource_name=f"{name}/*")
        for name, region in stacks.items()
    ]
    # Built from the name, not the function's token: a self-reference would be a cycle.
    function_arn = stack.format_arn(
        service="lambda", resource="function", resource_name=function_name, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
    )
    bucket_arns = [f"arn:{stack.partition}:s3:::{bucket}" for bucket in buckets]
    regions = sorted(set(stacks.values()))
    interfaces = [
        stack.format_arn(service="ec2", region=r, resource="network-interface", resource_name="*") for r in regions
    ]
    groups = [stack.format_arn(service="ec2", region=r, resource="security-group", resource_name="*") for r in regions]
    statements = [
        iam.PolicyStatement(actions=list(STACK_ACTIONS), resources=stack_arns),
        iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn]),
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function_arn]),
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]),
        iam.PolicyStatement(actions=["ssm:PutParameter"], resources=[outcome_parameter_arn(stack, lab_name)]),
        iam.PolicyStatement(actions=list(DESCRIBE_ACTIONS), resources=["*"]),
        iam.PolicyStatement(actions=["ec2:DeleteNetworkInterface"], resources=interfaces),
        iam.PolicyStatement(
            actions=list(RULE_ACTIONS),
            resources=groups,
            conditions={"StringEquals": {f"aws:ResourceTag/{tag_key}": lab_name}},
        ),
    ]
    if bucket_arns:
        statements.append(iam.PolicyStatement(actions=list(BUCKET_ACTIONS), resources=bucket_arns))
        statements.append(iam.PolicyStatement(actions=list(OBJECT_ACTIONS), resources=[f"{a}/*" for a in bucket_arns]))
    for statement in statements:
        role.add_to_policy(statement)
    acknowledge(
        role,
        (
            "AwsSolutions-IAM5[Resource::*]",
            "tag:GetResources, ec2:DescribeNetworkInterfaces and ec2:DescribeSecurityGroups have no "
            "resource-level permissions; they are read-only.",
        ),
        *[
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:{region}:<AWS::AccountId>"
                f":stack/{name}/*]",
                "A stack ARN ends in /* for the id CloudFormation assigns at create; the name is exact.",
            )
            for name, region in stacks.items()
        ],
        *[
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{region}:<AWS::AccountId>:network-interface/*]",
                "Interfaces left unattached in the lab's subnets or groups are created by AWS services without "
                "the lab's tag; the reaper deletes only those it found in a stack's failed subnet or group.",
            )
            for region in regions
        ],
        *[
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{region}:<AWS::AccountId>:security-group/*]",
                "Only groups tagged with this lab (condition on aws:ResourceTag), to remove a rule that "
                "references a group being deleted.",
            )
            for region in regions
        ],
        *[
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{_nag_name(bucket)}/*]",
                "Emptying one of the lab's own buckets (named exactly) that blocks its stack's deletion.",
            )
            for bucket in buckets
        ],
    )


def _nag_name(bucket: str) -> str:
    """The bucket name as cdk-nag prints it: the account token as <AWS::AccountId>."""
    return cdk.Token.as_string(bucket).replace(cdk.Aws.ACCOUNT_ID, "<AWS::AccountId>")
