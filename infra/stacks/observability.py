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
from infra.constructs.burn_rate_alarms import (
    BurnRateAlarms,
    SloContract,
    burn_expression,
    duration_seconds,
    load_slo_contract,
    sli_expression,
)
from infra.stacks.compute import ComputeStack
from infra.stacks.data import DataStack

ONE_MIN = cdk.Duration.minutes(1)
ERRORS_BY_CODE = logs.QueryString(
    fields=["@timestamp", "coalesce(error_code, code) as err", "route", "status", "@logStream"],
    filter_statements=["status >= 400 or ispresent(code)"],
    stats_statements=["count(*) as errors by err, route"],
    sort="errors desc",
)


def iso_ago(window: str) -> str:
    """'30d' -> '-P30D', '6h' -> '-PT6H' (a dashboard widget's relative start)."""
    seconds = duration_seconds(window)
    return f"-P{seconds // 86400}D" if seconds % 86400 == 0 else f"-PT{seconds // 60}M"


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
        self._slo_row()
        self._api_row()
        self._booking_row()
        self._queue_row(data)
        self._compute_row(compute)
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="SLO and DLQ alarms",
                alarms=[c for a in self.slo_alarms.values() for c in a.composites.values()]
                + list(self.dlq_alarms.values()),
                width=12,
                height=6,
            ),
            cloudwatch.LogQueryWidget(
                title="Errors by code (Logs Insights)",
                log_group_names=[g.log_group_name for g in log_groups],
                query_string=ERRORS_BY_CODE.to_string(),
                width=12,
                height=6,
            ),
        )

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

    def _metric(self, name: str, stat: str = "Sum", **dims: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=self.contract.namespace,
            metric_name=name,
            dimensions_map=dims or {"Service": self.contract.service},
            statistic=stat,
            period=ONE_MIN,
        )

    def _slo_row(self) -> None:
        c: SloContract = self.contract
        month = cdk.Duration.days(30)
        sli = [sli_expression(c, s, month) for s in c.slos]
        budget = [
            cloudwatch.MathExpression(
                expression=f"100 * (1 - burn_{s.name})",
                using_metrics={f"burn_{s.name}": burn_expression(c, s, month)},
                period=month,
                label=f"{s.name} budget remaining %",
            )
            for s in c.slos
        ]
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=(
                    f"# SLOs ({c.window})\n"
                    + "\n".join(f"* **{s.name}** {s.objective:.2%}: {s.description}" for s in c.slos)
                    + "\n\nBudget remaining = 1 - burn rate over the window; `labctl slo report` shows the same."
                ),
                width=8,
                height=6,
            ),
            cloudwatch.SingleValueWidget(
                title=f"SLI over {c.window}",
                metrics=sli,
                set_period_to_time_range=True,
                start=iso_ago(c.window),
                width=8,
                height=6,
            ),
            cloudwatch.SingleValueWidget(
                title=f"Error budget remaining ({c.window})",
                metrics=budget,
                set_period_to_time_range=True,
                start=iso_ago(c.window),
                width=8,
                height=6,
            ),
        )
        hour = cdk.Duration.hours(1)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Burn rate, 1 h windows (page at 14.4x with the 5 m window)",
                left=[burn_expression(c, s, hour) for s in c.slos],
                left_annotations=[
                    cloudwatch.HorizontalAnnotation(value=r.burn_rate, label=f"{r.severity} {r.long}/{r.short}")
                    for r in c.rules
                ],
                width=24,
                height=6,
            )
        )

    def _api_row(self) -> None:
        c = self.contract
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API latency p50 / p95 / p99 (ms)",
                left=[self._metric("Latency", p) for p in ("p50", "p95", "p99")],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=c.latency_threshold_ms, label="threshold")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="p95 latency per route (ms)",
                left=[
                    cloudwatch.MathExpression(
                        expression=(
                            f"SEARCH('{{{c.namespace},Service,Route,Method}} MetricName=\"Latency\"', 'p95', 60)"
                        ),
                        label="",
                        period=ONE_MIN,
                    )
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Error rate (% 5xx) and requests",
                left=[
                    cloudwatch.MathExpression(
                        expression="100 * FILL(e, 0) / r",
                        using_metrics={"e": self._metric("Errors5xx"), "r": self._metric("Requests")},
                        label="5xx %",
                        period=ONE_MIN,
                    )
                ],
                right=[self._metric("Requests")],
                width=8,
            ),
        )

    def _booking_row(self) -> None:
        c = self.contract
        booking = [s for s in c.slos if s.total == "BookingAttempts"]
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Booking success rate (%)",
                left=[sli_expression(c, s, cdk.Duration.minutes(5)) for s in booking],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Booking outcomes",
                left=[
                    self._metric(n)
                    for n in (
                        "BookingsConfirmed",
                        "BookingsDeclined",
                        "BookingsFailed",
                        "BookingsHoldExpired",
                        "BookingConflicts",
                    )
                ],
                stacked=True,
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Hold conflicts and expiries",
                left=[self._metric("HoldConflicts"), self._metric("HoldsExpired", service="hold-expiry")],
                width=8,
            ),
        )

    def _queue_row(self, data: DataStack) -> None:
        depth = [
            q.metric_approximate_number_of_messages_visible(period=ONE_MIN, statistic="Maximum", label=k)
            for k, q in data.queues.items()
        ]
        age = [
            q.metric_approximate_age_of_oldest_message(period=ONE_MIN, statistic="Maximum", label=k)
            for k, q in data.queues.items()
        ]
        dlq = [
            q.metric_approximate_number_of_messages_visible(period=ONE_MIN, statistic="Maximum", label=f"{k} DLQ")
            for k, q in data.dlqs.items()
        ]
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Queue depth", left=depth, width=8),
            cloudwatch.GraphWidget(title="Age of oldest message (s)", left=age, width=8),
            cloudwatch.GraphWidget(title="DLQ depth", left=dlq, width=8),
        )

    def _compute_row(self, compute: ComputeStack) -> None:
        if compute.fargate is not None:
            lb = compute.fargate.load_balancer.metrics
            service = compute.fargate.service
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="ALB target response time (s)",
                    left=[lb.target_response_time(statistic=p, period=ONE_MIN, label=p) for p in ("p50", "p95", "p99")],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="ECS CPU / memory (%)",
                    left=[
                        service.metric_cpu_utilization(period=ONE_MIN),
                        service.metric_memory_utilization(period=ONE_MIN),
                    ],
                    width=12,
                ),
            )
        if compute.lambda_api is not None:
            api, fn = compute.lambda_api.http_api, compute.lambda_api.function.function
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="API Gateway latency (ms) and 5xx",
                    left=[api.metric_latency(statistic=p, period=ONE_MIN, label=p) for p in ("p50", "p95", "p99")],
                    right=[api.metric_server_error(period=ONE_MIN, statistic="Sum")],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="API Lambda duration p95, errors, throttles",
                    left=[fn.metric_duration(statistic="p95", period=ONE_MIN)],
                    right=[fn.metric_errors(period=ONE_MIN), fn.metric_throttles(period=ONE_MIN)],
                    width=12,
                ),
            )
