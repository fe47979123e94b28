"""The API on Fargate (ARM64) behind an ALB, deployed with ECS native blue/green.

Traffic: CloudFront -> ALB production listener (80, or 443 with a domain) -> rule -> blue/green
target groups (weights flipped by ECS). A test listener (9000, VPC-only) reaches the green revision
before the swap. Rollback: alarms on the ALB's 5xx and unhealthy hosts, plus the circuit breaker.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import (
    DEPLOYMENT,
    DEREGISTRATION_DELAY_SECONDS,
    STOP_TIMEOUT_SECONDS,
    LabConfig,
)
from infra.constructs.api_image import ApiImage
from infra.constructs.log_group import lab_log_group
from infra.constructs.nag import acknowledge
from infra.stacks.network import APP_PORT, TEST_LISTENER_PORT, NetworkStack

CONTAINER_NAME = "api"
BAKE_TIME = cdk.Duration.minutes(3)
HEALTH_CMD = (
    "import urllib.request,sys;"
    f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{APP_PORT}/healthz',timeout=3).status==200 else 1)"
)


class BlueGreenFargateApi(Construct):
    """Public attributes: cluster, service, load_balancer, listener, test_listener, blue/green target
    groups, task_role, execution_role, log_group, rollback_alarms, scaling."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LabConfig,
        network: NetworkStack,
        image: ApiImage,
        environment: Mapping[str, str],
        secrets: Mapping[str, secretsmanager.ISecret],
        certificate: acm.ICertificate | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=network.vpc)
        acknowledge(
            self.cluster,
            (
                "AwsSolutions-ECS4",
                "Container Insights bills extra custom metrics per task; the lab's SLOs use ALB and "
                "EMF metrics, and learners can switch it on in lab 'observability'.",
            ),
        )
        self.log_group = lab_log_group(self, "Logs")
        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="API task role: named actions on the table and the two queues, nothing else",
        )
        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="API execution role: pull the image, write its log group, read the task's secrets",
        )
        acknowledge(
            self.execution_role,
            (
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken has no resource-level permissions; image pulls themselves "
                "are limited to the CDK asset repository.",
            ),
        )
        task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=256,
            memory_limit_mib=512,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
            task_role=self.task_role,
            execution_role=self.execution_role,
        )
        task_definition.add_container(
            CONTAINER_NAME,
            image=image.container_image(),
            port_mappings=[ecs.PortMapping(container_port=APP_PORT, name="http")],
            environment=dict(environment),
            secrets={name: ecs.Secret.from_secrets_manager(secret) for name, secret in secrets.items()},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="api", log_group=self.log_group),
            readonly_root_filesystem=True,
            stop_timeout=cdk.Duration.seconds(STOP_TIMEOUT_SECONDS),
            health_check=ecs.HealthCheck(
                command=["CMD", "python", "-c", HEALTH_CMD],
                interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5),
                retries=3,
                start_period=cdk.Duration.seconds(20),
            ),
        )
        acknowledge(
            task_definition,
            (
                "AwsSolutions-ECS2",
                "The environment holds only non-secret settings (table name, queue URLs, TTLs); the "
                "secrets (signing key, origin secret) are injected from Secrets Manager.",
            ),
        )
        self._load_balancer(config, network, certificate)
        self._rollback_alarms()
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=task_definition,
            desired_count=config.desired_count,
            assign_public_ip=True,  # public subnets, no NAT: see docs/adr/0002-no-nat-gateway.md
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[network.service_security_group],
            deployment_strategy=ecs.DeploymentStrategy.BLUE_GREEN,
            bake_time=BAKE_TIME,
            deployment_alarms=ecs.DeploymentAlarmConfig(
                alarm_names=[a.alarm_name for a in self.rollback_alarms],
                behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
            ),
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=cdk.Duration.seconds(30),
            min_healthy_percent=100,
            max_healthy_percent=200,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        target = self.service.load_balancer_target(
            container_name=CONTAINER_NAME,
            container_port=APP_PORT,
            alternate_target=ecs.AlternateTarget(
                "AlternateTarget",
                alternate_target_group=self.green_target_group,
                production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(self.production_rule),
                test_listener=ecs.ListenerRuleConfiguration.application_listener_rule(self.test_rule),
            ),
        )
        target.attach_to_application_target_group(self.blue_target_group)
        acknowledge(
            self.service,
            (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "AmazonECSInfrastructureRolePolicyForLoadBalancers]",
                "ECS native blue/green swaps listener-rule weights through this AWS-maintained policy, "
                "the one AWS documents for the ECS infrastructure role.",
            ),
        )
        self.scaling = self.service.auto_scale_task_count(
            min_capacity=config.desired_count, max_capacity=config.max_count
        )
        self.scaling.scale_on_request_count(
            "RequestsPerTarget", requests_per_target=200, target_group=self.blue_target_group
        )
        # After a swap the green group carries traffic; CPU tracking keeps scaling correct meanwhile.
        self.scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)

    def _load_balancer(self, config: LabConfig, network: NetworkStack, certificate: acm.ICertificate | None) -> None:
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=network.vpc,
            internet_facing=True,
            security_group=network.alb_security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
        )
        acknowledge(
            self.load_balancer,
            (
                "AwsSolutions-ELB2",
                "ALB access logs need an S3 bucket with an ELB-account policy per region; CloudFront "
                "and the API's structured request logs already record every request of this lab.",
            ),
        )
        groups = [self._target_group(name) for name in ("Blue", "Green")]
        self.blue_target_group, self.green_target_group = groups
        weighted = elbv2.ListenerAction.weighted_forward(
            [
                elbv2.WeightedTargetGroup(target_group=self.blue_target_group, weight=100),
                elbv2.WeightedTargetGroup(target_group=self.green_target_group, weight=0),
            ]
        )
        # Forward-only actions everywhere: ECS blue/green rejects listeners mixing fixed responses.
        if certificate is not None:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                default_action=weighted,
                open=False,
            )
        else:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, default_action=weighted, open=False
            )
        self.test_listener = self.load_balancer.add_listener(
            "Test",
            port=TEST_LISTENER_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=weighted,
            open=False,
        )
        self.production_rule = self._rule("ProductionRule", self.listener, weighted)
        self.test_rule = self._rule("TestRule", self.test_listener, weighted)

    def _target_group(self, name: str) -> elbv2.ApplicationTargetGroup:
        hc = DEPLOYMENT.health_check  # the lab's front door checks its targets with the same numbers
        return elbv2.ApplicationTargetGroup(
            self,
            f"{name}TargetGroup",
            vpc=self.load_balancer.vpc,
            port=APP_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=cdk.Duration.seconds(DEREGISTRATION_DELAY_SECONDS),
            health_check=elbv2.HealthCheck(
                path=hc.path,
                healthy_http_codes=hc.healthy_http_codes,
                interval=cdk.Duration.seconds(hc.interval_seconds),
                timeout=cdk.Duration.seconds(hc.timeout_seconds),
                healthy_threshold_count=hc.healthy_threshold,
                unhealthy_threshold_count=hc.unhealthy_threshold,
            ),
        )

    def _rule(
        self, name: str, listener: elbv2.ApplicationListener, action: elbv2.ListenerAction
    ) -> elbv2.ApplicationListenerRule:
        return elbv2.ApplicationListenerRule(
            self,
            name,
            listener=listener,
            priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
            action=action,
        )

    def _rollback_alarms(self) -> None:
        five_xx = cloudwatch.Alarm(
            self,
            "Target5xxAlarm",
            alarm_description="Blue/green rollback: the API answers 5xx during a deployment",
            metric=self.load_balancer.metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=cdk.Duration.minutes(1), statistic="Sum"
            ),
            threshold=5,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # Both groups: after a swap the green group is production and blue becomes the alternate.
        unhealthy = cloudwatch.Alarm(
            self,
            "UnhealthyHostsAlarm",
            alarm_description="Blue/green rollback: targets of either revision fail /readyz",
            metric=cloudwatch.MathExpression(
                expression="MAX([blue, green])",
                using_metrics={
                    group: tg.metrics.unhealthy_host_count(period=cdk.Duration.minutes(1), statistic="Maximum")
                    for group, tg in (("blue", self.blue_target_group), ("green", self.green_target_group))
                },
                period=cdk.Duration.minutes(1),
            ),
            threshold=0,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.rollback_alarms = [five_xx, unhealthy]
