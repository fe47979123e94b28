"""The API on Lambda (Mangum) behind an API Gateway HTTP API: the cheap compute mode, no VPC.

The `execute-api` endpoint stays public; the API refuses what lacks CloudFront's origin secret (ADR 0014).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from constructs import Construct

from infra.constructs.api_image import ApiImage
from infra.constructs.image_function import ImageFunction
from infra.constructs.log_group import lab_log_group
from infra.constructs.nag import acknowledge

API_HANDLER = "api.http.lambda_handler.handler"
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "method": "$context.httpMethod",
        "path": "$context.path",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)


class LambdaHttpApi(Construct):
    """Public attributes: `function` (ImageFunction), `http_api`, `stage`, `access_log_group`,
    `origin_domain_name` (the execute-api host CloudFront connects to)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        image: ApiImage,
        environment: Mapping[str, str],
        throttle_rate: int = 100,
        throttle_burst: int = 200,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = ImageFunction(
            self,
            "Api",
            image=image,
            handler=API_HANDLER,
            description="Booking API (FastAPI via Mangum)",
            environment=environment,
            timeout=cdk.Duration.seconds(29),  # HTTP API integrations time out at 30 s
            memory_mib=1024,
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=name,
            description="Booking API (lambda mode); reached through CloudFront /api/*",
            default_integration=integrations.HttpLambdaIntegration("Lambda", self.function.function),
            create_default_stage=False,
        )
        self.access_log_group = lab_log_group(self, "AccessLogs")
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle_rate, burst_limit=throttle_burst),
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_log_group.log_group_arn, format=ACCESS_LOG_FORMAT
        )
        self.origin_domain_name = cdk.Fn.select(2, cdk.Fn.split("/", self.http_api.api_endpoint))
        acknowledge(
            self.http_api,
            (
                "AwsSolutions-APIG4",
                "The booking API serves anonymous ticket buyers; the API refuses calls without CloudFront's "
                "origin secret, so abuse meets the WAF, the stage throttle, and the Idempotency-Key.",
            ),
        )
