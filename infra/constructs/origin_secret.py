"""The per-lab origin secret: CloudFront sends it as `X-Origin-Verify`, the API refuses requests without it.

It closes the ALB (any CloudFront distribution is inside the origin-facing prefix list) and the
execute-api endpoint (public) to callers that skip the lab's distribution and its WAF (ADR 0014).
The secret lives in the lab region next to the API. The edge stack (us-east-1) reads it at deploy
time: a CloudFormation dynamic reference in one region, a read-only SDK call across regions.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.nag import acknowledge, acknowledge_sdk_provider
from infra.constructs.sdk_call import sdk_resource

HEADER = "X-Origin-Verify"  # api/http/edge_guard.py reads it (a test keeps the two equal)
VALUE_ENV = "ORIGIN_VERIFY_SECRET"  # ECS injects the value
ARN_ENV = "ORIGIN_VERIFY_SECRET_ARN"  # Lambda reads the value at cold start
LENGTH = 48


def origin_secret(scope: Construct, construct_id: str, lab_name: str) -> secretsmanager.Secret:
    """A generated secret (48 letters and digits: it travels as a header value)."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description=f"{lab_name}: the {HEADER} value CloudFront sends to the API origin",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            exclude_punctuation=True, include_space=False, password_length=LENGTH
        ),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    acknowledge(
        secret,
        (
            "AwsSolutions-SMG4",
            "The origin secret lives as long as the lab (a few hours) and is generated anew with each "
            "lab; rotating it would need CloudFront and the API to switch values at the same instant.",
        ),
    )
    return secret


class OriginSecretValue(Construct):
    """`value`: the secret's string for CloudFront's origin header, resolved at deploy time."""

    def __init__(self, scope: Construct, construct_id: str, *, secret: secretsmanager.ISecret, region: str) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        if region == stack.region:
            # {{resolve:secretsmanager:...}}: CloudFormation resolves it without logging the value.
            self.value = secret.secret_value.unsafe_unwrap()
            return
        # A dynamic reference cannot cross regions: read it once per deploy, response data kept out of logs.
        call = cr.AwsSdkCall(
            service="SecretsManager",
            action="getSecretValue",
            region=region,
            parameters={"SecretId": secret.secret_arn},
            physical_resource_id=cr.PhysicalResourceId.of(f"{stack.stack_name}-origin-secret"),
            output_paths=["SecretString"],
            logging=cr.Logging.with_data_hidden(),
        )
        read = sdk_resource(
            self,
            "Read",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])]
            ),
        )
        self.value = read.get_response_field("SecretString")
        acknowledge_sdk_provider(stack)
