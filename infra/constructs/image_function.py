"""A Lambda function running the project image, with its own role, log group and named grants."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.api_image import ApiImage
from infra.constructs.log_group import lab_log_group


class ImageFunction(Construct):
    """`function`, `role` and `log_group`; the role may only write to this function's log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image: ApiImage,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        timeout: cdk.Duration,
        memory_mib: int = 512,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = lab_log_group(self, "Logs")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description}: its log group, plus named grants",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            code=image.lambda_code(handler),
            description=description,
            architecture=lambda_.Architecture.ARM_64,
            memory_size=memory_mib,
            timeout=timeout,
            environment=dict(environment),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.DISABLED,
        )
