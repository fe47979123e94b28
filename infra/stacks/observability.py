"""Observability stack: the SLO alarms (multi-window multi-burn-rate), a DLQ alarm, the alert topic,
a Logs Insights saved query and one CloudWatch dashboard, all derived from contracts/slo.yaml.

Metrics come from the API's and the workers' EMF log lines (namespace Labctl/Booking), plus the AWS
metrics of SQS, the ALB and ECS (fargate mode) or API Gateway and Lambda (lambda mode).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from infra.config import LabConfig
from infra.constructs import slo_dashboard as rows
from infra.constructs.burn_rate_alarms import BurnRateAlarms, load_slo_contract
from infra.constructs.slo_dashboard import ERRORS_BY_CODE, ONE_MIN
from infra.stacks.compute import ComputeStack
from infra.stacks.data import DataStack


class ObservabilityStack(cdk.Stack):
    """Public attributes: `topic`, `slo_alarms` (name -> BurnRateAlarms), `dlq_alarms`, `dashboard`, `query`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LabConfig,
        data: DataStack,
        compute: ComputeStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.contract = load_slo_contract()
        if self.contract.namespace != data.metrics_namespace:
            raise ValueError(f"contracts/slo.yaml namespace {self.contract.namespace} != {data.metrics_namespace}")
        self.topic = self._topic(config)
        prefix = config.lab_name
        self.slo_alarms = {
            slo.name: BurnRateAlarms(
                self,
                f"Slo{''.join(p.capitalize() for p in slo.name.split('_'))}",
                contract=self.contract,
                slo=slo,
                topic=self.topic,
                prefix=prefix,
            )
            for slo in self.contract.slos
        }
        self.dlq_alarms = {key: self._dlq_alarm(key, dlq, prefix) for key, dlq in data.dlqs.items()}
        log_groups = [compute.api_log_group, *(w.log_group for w in compute.workers.values())]
        self.query = logs.QueryDefinition(
            self,
            "ErrorsByCode",
            query_definition_name=f"{prefix}/errors-by-code",
            query_string=ERRORS_BY_CODE,
            log_groups=log_groups,
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{prefix}-slo",
            start="-PT3H",
            period_override=cloudwatch.PeriodOverride.AUTO,
        )
        alarms: list[cloudwatch.IAlarm] = [c for a in self.slo_alarms.values() for c in a.composites.values()]
        alarms += list(self.dlq_alarms.values())
        for row in (
            *rows.slo_rows(self.contract),
            rows.api_row(self.contract),
            rows.booking_row(self.contract),
            rows.queue_row(data.queues, data.dlqs),
            rows.compute_row(compute.fargate, compute.lambda_api),
            rows.status_row(alarms, log_groups),
        ):
            self.dashboard.add_widgets(*row)

    def _topic(self, config: LabConfig) -> sns.Topic:
        # A customer managed key: CloudWatch cannot publish to a topic encrypted with aws/sns.
        key = kms.Key(
            self,
            "AlertsKey",
            description=f"{config.lab_name}: encrypts the SLO alert topic",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            pending_window=cdk.Duration.days(7),
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],  # a key policy's resource is always the key itself
            )
        )
        topic = sns.Topic(
            self,
            "Alerts",
            # `<lab>-alerts` is the control stack's (lifecycle and budget) topic: one name, one topic.
            topic_name=f"{config.lab_name}-slo-alerts",
            master_key=key,
            enforce_ssl=True,
            display_name=f"labctl {config.lab_name} SLO alerts",
        )
        if config.alert_email:
            topic.add_subscription(subs.EmailSubscription(config.alert_email))
        return topic

    def _dlq_alarm(self, key: str, dlq: Any, prefix: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{''.join(p.capitalize() for p in key.split('_'))}DlqNotEmpty",
            alarm_name=f"{prefix}-dlq-{key.replace('_', '-')}-not-empty",
            alarm_description=f"A {key} message failed 3 times and sits in the DLQ: `labctl dlq inspect` then redrive.",
            metric=dlq.metric_approximate_number_of_messages_visible(period=ONE_MIN, statistic="Maximum"),
            threshold=0,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        alarm.add_ok_action(cw_actions.SnsAction(self.topic))
        return alarm
