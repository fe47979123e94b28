"""Compute stack: the project image, the API (Fargate blue/green or Lambda + HTTP API), the SQS workers.

Public attributes for the observability stack: `mode`, `image`, `signing_key`, `origin_secret` (the
X-Origin-Verify value CloudFront sends, for the edge stack), `workers` (by queue
key: ImageFunction with .function/.role/.log_group) and `worker_functions`, `outbox_sweeper`
(scheduled, ImageFunction) and `outbox_sweeper_function`, `api_log_group`,
`metrics_namespace`; fargate mode: `service`, `load_balancer`, `target_groups` (blue, green),
`fargate` (listeners, rollback alarms, scaling); lambda mode: `http_api`, `api_function`,
`lambda_api` (stage, access log group). The unused mode's attributes are None / empty.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import LabConfig
from infra.constructs.api_image import ApiImage
from infra.constructs.blue_green_service import BlueGreenFargateApi
from infra.constructs.image_function import ImageFunction
from infra.constructs.lambda_api import LambdaHttpApi
from infra.constructs.nag import acknowledge
from infra.constructs.origin_secret import ARN_ENV as ORIGIN_SECRET_ARN_ENV
from infra.constructs.origin_secret import VALUE_ENV as ORIGIN_SECRET_ENV
from infra.constructs.origin_secret import origin_secret
from infra.constructs.permissions import (
    API_QUEUE_ACTIONS,
    API_TABLE_ACTIONS,
    OUTBOX_SWEEPER_HANDLER,
    OUTBOX_SWEEPER_TABLE_ACTIONS,
    WORKER_TABLE_ACTIONS,
    WORKERS_WITH_SIGNING_KEY,
)
from infra.stacks.data import DataStack
from infra.stacks.network import NetworkStack

SIGNING_KEY_ARN_ENV = "CONFIRMATION_SIGNING_KEY_SECRET_ARN"


class ComputeStack(cdk.Stack):
    """The API and the workers in the chosen compute mode."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LabConfig,
        data: DataStack,
        network: NetworkStack | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.mode = config.compute
        self.metrics_namespace = data.metrics_namespace
        self._hosted_zone: route53.IHostedZone | None = None
        self.image = ApiImage(self, "Image", config=config)
        self.signing_key = secretsmanager.Secret(
            self,
            "ConfirmationSigningKey",
            description="HMAC key that signs booking confirmations (CONFIRMATION_SIGNING_KEY)",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=48),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.signing_key,
            (
                "AwsSolutions-SMG4",
                "Rotating the confirmation signing key would invalidate confirmations issued during "
                "the lab's few-hour life; the key is regenerated with every new lab.",
            ),
        )
        self.origin_secret = origin_secret(self, "OriginVerifySecret", config.lab_name)
        env = self._environment(config, data)
        self.fargate: BlueGreenFargateApi | None = None
        self.lambda_api: LambdaHttpApi | None = None
        if config.compute == "fargate":
            assert network is not None, "fargate mode needs the network stack"
            self.fargate = BlueGreenFargateApi(
                self,
                "Api",
                config=config,
                network=network,
                image=self.image,
                # Lambda reserves AWS_REGION; on ECS set it explicitly rather than rely on the agent.
                environment={**env, "AWS_REGION": self.region},
                secrets={"CONFIRMATION_SIGNING_KEY": self.signing_key, ORIGIN_SECRET_ENV: self.origin_secret},
                certificate=self._origin_certificate(config),
            )
            api_role: iam.IRole = self.fargate.task_role
            self.api_log_group: logs.ILogGroup = self.fargate.log_group
            self._origin_record(config)
        else:
            self.lambda_api = LambdaHttpApi(
                self,
                "Api",
                name=config.stack_name("api"),
                image=self.image,
                environment={
                    **env,
                    SIGNING_KEY_ARN_ENV: self.signing_key.secret_arn,
                    ORIGIN_SECRET_ARN_ENV: self.origin_secret.secret_arn,
                },
            )
            api_role = self.lambda_api.function.role
            self.api_log_group = self.lambda_api.function.log_group
            self.signing_key.grant_read(api_role)
            self.origin_secret.grant_read(api_role)
        data.grant_table(api_role, API_TABLE_ACTIONS)
        for queue in data.queues.values():
            queue.grant(api_role, *API_QUEUE_ACTIONS)
        self.workers: dict[str, ImageFunction] = {}
        for key, contract in data.queue_contracts.items():
            self._add_worker(key, contract.handler, data, env, contract.handler_timeout_seconds)
        self.outbox_sweeper = self._add_outbox_sweeper(data, env)

    @property
    def service(self) -> ecs.FargateService | None:
        """The Fargate service (fargate mode)."""
        return None if self.fargate is None else self.fargate.service

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer | None:
        """The ALB (fargate mode)."""
        return None if self.fargate is None else self.fargate.load_balancer

    @property
    def target_groups(self) -> list[elbv2.ApplicationTargetGroup]:
        """Blue then green target group (fargate mode), else empty."""
        return [] if self.fargate is None else [self.fargate.blue_target_group, self.fargate.green_target_group]

    @property
    def http_api(self) -> apigwv2.HttpApi | None:
        """The HTTP API (lambda mode)."""
        return None if self.lambda_api is None else self.lambda_api.http_api

    @property
    def api_function(self) -> lambda_.IFunction | None:
        """The API Lambda function (lambda mode)."""
        return None if self.lambda_api is None else self.lambda_api.function.function

    @property
    def worker_functions(self) -> dict[str, lambda_.IFunction]:
        """The SQS worker functions by queue key (hold_expiry, booking_events)."""
        return {key: worker.function for key, worker in self.workers.items()}

    @property
    def outbox_sweeper_function(self) -> lambda_.IFunction:
        """The scheduled outbox sweeper function."""
        return self.outbox_sweeper.function

    def _environment(self, config: LabConfig, data: DataStack) -> dict[str, str]:
        # Lambda sets AWS_REGION itself and forbids overriding it; the ECS task adds it explicitly.
        return {
            "STORE": "dynamodb",
            "TABLE_NAME": data.table.table_name,
            "HOLD_EXPIRY_QUEUE_URL": data.queues["hold_expiry"].queue_url,
            "BOOKING_EVENTS_QUEUE_URL": data.queues["booking_events"].queue_url,
            "HOLD_TTL_SECONDS": str(config.hold_ttl_seconds),
            "METRICS_NAMESPACE": data.metrics_namespace,
            "POWERTOOLS_METRICS_NAMESPACE": data.metrics_namespace,
            "POWERTOOLS_SERVICE_NAME": "booking-api",
            "LOG_LEVEL": "INFO",
        }

    def _add_worker(self, key: str, handler: str, data: DataStack, env: dict[str, str], timeout_s: int) -> None:
        worker_env = dict(env)
        if key in WORKERS_WITH_SIGNING_KEY:
            worker_env[SIGNING_KEY_ARN_ENV] = self.signing_key.secret_arn
        worker = ImageFunction(
            self,
            f"{''.join(p.capitalize() for p in key.split('_'))}Worker",
            image=self.image,
            handler=handler,
            description=f"SQS worker {handler}",
            environment={**worker_env, "POWERTOOLS_SERVICE_NAME": key.replace("_", "-")},
            timeout=cdk.Duration.seconds(timeout_s),
        )
        contract = data.queue_contracts[key]
        worker.function.add_event_source(
            event_sources.SqsEventSource(
                data.queues[key],
                batch_size=contract.batch_size,
                max_batching_window=cdk.Duration.seconds(contract.max_batching_window_seconds),
                report_batch_item_failures=True,
            )
        )
        data.grant_table(worker.role, WORKER_TABLE_ACTIONS[key])
        if key == "hold_expiry":
            # A message that arrives before its hold expires is sent again with the remaining delay.
            iam.Grant.add_to_principal(
                grantee=worker.role, actions=["sqs:SendMessage"], resource_arns=[data.queues[key].queue_arn]
            )
        if key in WORKERS_WITH_SIGNING_KEY:
            self.signing_key.grant_read(worker.role)
        self.workers[key] = worker

    def _add_outbox_sweeper(self, data: DataStack, env: dict[str, str]) -> ImageFunction:
        """Every minute, relay booking events the API committed but could not send (SQS outage)."""
        sweeper = ImageFunction(
            self,
            "OutboxSweeper",
            image=self.image,
            handler=OUTBOX_SWEEPER_HANDLER,
            description=f"Scheduled {OUTBOX_SWEEPER_HANDLER}",
            environment={**env, "POWERTOOLS_SERVICE_NAME": "outbox-sweeper"},
            timeout=cdk.Duration.seconds(50),  # under the 1-minute period: runs never overlap much
        )
        events.Rule(
            self,
            "OutboxSweepSchedule",
            description="Relay pending outbox events every minute",
            schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
            targets=[events_targets.LambdaFunction(sweeper.function, retry_attempts=0)],
        )
        data.grant_table(sweeper.role, OUTBOX_SWEEPER_TABLE_ACTIONS)
        data.queues["booking_events"].grant(sweeper.role, *API_QUEUE_ACTIONS)
        return sweeper

    def _origin_certificate(self, config: LabConfig) -> acm.ICertificate | None:
        if config.origin_domain_name is None:
            return None
        return acm.Certificate(
            self,
            "OriginCertificate",
            domain_name=config.origin_domain_name,
            validation=acm.CertificateValidation.from_dns(self._zone(config)),
        )

    def _origin_record(self, config: LabConfig) -> None:
        if config.origin_domain_name is None or self.fargate is None:
            return
        route53.ARecord(
            self,
            "OriginRecord",
            zone=self._zone(config),
            record_name=config.origin_domain_name,
            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(self.fargate.load_balancer)),
        )

    def _zone(self, config: LabConfig) -> route53.IHostedZone:
        """The configured hosted zone, imported without a lookup (synth stays offline)."""
        if self._hosted_zone is None:
            assert config.hosted_zone_id is not None
            assert config.hosted_zone_name is not None
            self._hosted_zone = route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.hosted_zone_name
            )
        return self._hosted_zone
