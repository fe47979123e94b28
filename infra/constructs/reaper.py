"""The reaper Lambda: deletes the lab's stacks in reverse order, empties blocking buckets, reports.

Its IAM names each stack it may delete (exact ARN per stack and region), the lab's bucket prefix,
the alert topic and itself; only tag:GetResources, which has no resource-level form, is on `*`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.nag import acknowledge

CODE_DIR = Path(__file__).resolve().parents[1] / "lambdas" / "reaper"
# Reads stack state, deletes; CloudFormation then acts with the role stored on each stack
# (CDK's cfn-exec role), which users of the stack may use without iam:PassRole.
STACK_ACTIONS = (
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:ListStackResources",
    "cloudformation:DeleteStack",
)
BUCKET_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")
OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")


class Reaper(Construct):
    """`function`, `role`, `log_group`: a Python Lambda (plain boto3) that reaps the lab."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        lab_name: str,
        stacks: Mapping[str, str],
        control_stack_name: str,
        topic: sns.ITopic,
        tag_key: str,
    ) -> None:
        """stacks: name -> region of every stack to delete, in deploy order."""
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        function_name = f"{lab_name}-reaper"
        # Built from the name, not the function's token: a self-reference would be a cycle.
        function_arn = stack.format_arn(
            service="lambda",
            resource="function",
            resource_name=function_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"reaper of lab {lab_name}: deletes only this lab's stacks",
        )
        all_stacks = {**stacks, control_stack_name: stack.region}
        stack_arns = [
            stack.format_arn(service="cloudformation", region=region, resource="stack", resource_name=f"{name}/*")
            for name, region in all_stacks.items()
        ]
        bucket_prefix = f"arn:{stack.partition}:s3:::{lab_name}-*"
        for actions, resources in (
            (STACK_ACTIONS, stack_arns),
            (BUCKET_ACTIONS, [bucket_prefix]),
            (OBJECT_ACTIONS, [f"{bucket_prefix}/*"]),
            (("sns:Publish",), [topic.topic_arn]),
            (("lambda:InvokeFunction",), [function_arn]),
            (("logs:CreateLogStream", "logs:PutLogEvents"), [self.log_group.log_group_arn]),
            (("tag:GetResources",), ["*"]),
        ):
            self.role.add_to_policy(iam.PolicyStatement(actions=list(actions), resources=resources))
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=f"Deletes lab {lab_name} when its time is up",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(CODE_DIR), exclude=["__pycache__"]),
            timeout=cdk.Duration.minutes(15),
            memory_size=256,
            role=self.role,
            log_group=self.log_group,
            environment={
                "LAB_NAME": lab_name,
                "STACKS": json.dumps([{"name": n, "region": r} for n, r in stacks.items()]),
                "CONTROL_STACK_NAME": control_stack_name,
                "TOPIC_ARN": topic.topic_arn,
                "TAG_KEY": tag_key,
            },
        )
        acknowledge(
            self.role,
            (
                "AwsSolutions-IAM5[Resource::*]",
                "tag:GetResources has no resource-level permissions; it is read-only and lists what is "
                "still tagged with this lab after deletion.",
            ),
            *[
                (
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:{region}:<AWS::AccountId>"
                    f":stack/{name}/*]",
                    "A stack ARN ends in /* for the id CloudFormation assigns at create; the name is exact.",
                )
                for name, region in all_stacks.items()
            ],
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{lab_name}-*]",
                "CloudFormation generates the lab's bucket names under the lab-name prefix; list only.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{lab_name}-*/*]",
                "Emptying a bucket that blocks stack deletion means deleting any key in it.",
            ),
        )
