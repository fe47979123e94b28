"""The rows of the lab's CloudWatch dashboard: SLOs and budgets, API, bookings, queues, compute.

Widgets only: the stack owns the Dashboard resource (its logical id and name stay put across updates).
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs

from infra.constructs.blue_green_service import BlueGreenFargateApi
from infra.constructs.burn_rate_alarms import SloContract, burn_expression, duration_seconds, sli_expression
from infra.constructs.lambda_api import LambdaHttpApi

ONE_MIN = cdk.Duration.minutes(1)
Row = list[cloudwatch.IWidget]
ERRORS_BY_CODE = logs.QueryString(
    fields=["@timestamp", "coalesce(error_code, code) as err", "route", "status", "@logStream"],
    filter_statements=["status >= 400 or ispresent(code)"],
    stats_statements=["count(*) as errors by err, route"],
    sort="errors desc",
)
BOOKING_OUTCOMES = (
    "BookingsConfirmed",
    "BookingsDeclined",
    "BookingsFailed",
    "BookingsHoldExpired",
    "BookingConflicts",
)


def iso_ago(window: str) -> str:
    """'30d' -> '-P30D', '6h' -> '-PT360M' (a dashboard widget's relative start)."""
    seconds = duration_seconds(window)
    return f"-P{seconds // 86400}D" if seconds % 86400 == 0 else f"-PT{seconds // 60}M"


def metric(contract: SloContract, name: str, stat: str = "Sum", **dims: str) -> cloudwatch.Metric:
    """One of the API's EMF metrics, per minute; service-level unless dimensions are given."""
    return cloudwatch.Metric(
        namespace=contract.namespace,
        metric_name=name,
        dimensions_map=dims or {"Service": contract.service},
        statistic=stat,
        period=ONE_MIN,
    )


def _over_window(contract: SloContract, title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.IWidget:
    return cloudwatch.SingleValueWidget(
        title=title,
        metrics=metrics,
        set_period_to_time_range=True,
        start=iso_ago(contract.window),
        width=8,
        height=6,
    )


def slo_rows(c: SloContract) -> list[Row]:
    """SLO text, SLI and budget remaining over the window; burn rate per hour against the page thresholds."""
    month = cdk.Duration.days(30)
    budget: list[cloudwatch.IMetric] = [
        cloudwatch.MathExpression(
            expression=f"100 * (1 - burn_{s.name})",
            using_metrics={f"burn_{s.name}": burn_expression(c, s, month)},
            period=month,
            label=f"{s.name} budget remaining %",
        )
        for s in c.slos
    ]
    text = cloudwatch.TextWidget(
        markdown=(
            f"# SLOs ({c.window})\n"
            + "\n".join(f"* **{s.name}** {s.objective:.2%}: {s.description}" for s in c.slos)
            + "\n\nBudget remaining = 1 - burn rate over the window; `labctl slo report` shows the same."
        ),
        width=8,
        height=6,
    )
    burn = cloudwatch.GraphWidget(
        title="Burn rate, 1 h windows (page at 14.4x with the 5 m window)",
        left=[burn_expression(c, s, cdk.Duration.hours(1)) for s in c.slos],
        left_annotations=[
            cloudwatch.HorizontalAnnotation(value=r.burn_rate, label=f"{r.severity} {r.long}/{r.short}")
            for r in c.rules
        ],
        width=24,
        height=6,
    )
    return [
        [
            text,
            _over_window(c, f"SLI over {c.window}", [sli_expression(c, s, month) for s in c.slos]),
            _over_window(c, f"Error budget remaining ({c.window})", budget),
        ],
        [burn],
    ]


def api_row(c: SloContract) -> Row:
    """Latency percentiles, p95 per route, 5xx rate and request count."""
    per_route = f"SEARCH('{{{c.namespace},Service,Route,Method}} MetricName=\"Latency\"', 'p95', 60)"
    return [
        cloudwatch.GraphWidget(
            title="API latency p50 / p95 / p99 (ms)",
            left=[metric(c, "Latency", p) for p in ("p50", "p95", "p99")],
            left_annotations=[cloudwatch.HorizontalAnnotation(value=c.latency_threshold_ms, label="threshold")],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="p95 latency per route (ms)",
            left=[cloudwatch.MathExpression(expression=per_route, label="", period=ONE_MIN)],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Error rate (% 5xx) and requests",
            left=[
                cloudwatch.MathExpression(
                    expression="100 * FILL(e, 0) / r",
                    using_metrics={"e": metric(c, "Errors5xx"), "r": metric(c, "Requests")},
                    label="5xx %",
                    period=ONE_MIN,
                )
            ],
            right=[metric(c, "Requests")],
            width=8,
        ),
    ]


def booking_row(c: SloContract) -> Row:
    """Booking success rate, outcomes, hold conflicts and expiries."""
    booking = [s for s in c.slos if s.total == "BookingAttempts"]
    return [
        cloudwatch.GraphWidget(
            title="Booking success rate (%)",
            left=[sli_expression(c, s, cdk.Duration.minutes(5)) for s in booking],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Booking outcomes", left=[metric(c, n) for n in BOOKING_OUTCOMES], stacked=True, width=8
        ),
        cloudwatch.GraphWidget(
            title="Hold conflicts and expiries",
            left=[metric(c, "HoldConflicts"), metric(c, "HoldsExpired", service="hold-expiry")],
            width=8,
        ),
    ]


def queue_row(queues: Mapping[str, sqs.IQueue], dlqs: Mapping[str, sqs.IQueue]) -> Row:
    """Depth and age of the work queues, depth of their DLQs."""

    def depth(q: sqs.IQueue, label: str) -> cloudwatch.Metric:
        return q.metric_approximate_number_of_messages_visible(period=ONE_MIN, statistic="Maximum", label=label)

    age = [
        q.metric_approximate_age_of_oldest_message(period=ONE_MIN, statistic="Maximum", label=k)
        for k, q in queues.items()
    ]
    return [
        cloudwatch.GraphWidget(title="Queue depth", left=[depth(q, k) for k, q in queues.items()], width=8),
        cloudwatch.GraphWidget(title="Age of oldest message (s)", left=age, width=8),
        cloudwatch.GraphWidget(title="DLQ depth", left=[depth(q, f"{k} DLQ") for k, q in dlqs.items()], width=8),
    ]


def compute_row(fargate: BlueGreenFargateApi | None, lambda_api: LambdaHttpApi | None) -> Row:
    """ALB and ECS (fargate mode) or HTTP API and the API function (lambda mode)."""
    percentiles = ("p50", "p95", "p99")
    if fargate is not None:
        lb, service = fargate.load_balancer.metrics, fargate.service
        return [
            cloudwatch.GraphWidget(
                title="ALB target response time (s)",
                left=[lb.target_response_time(statistic=p, period=ONE_MIN, label=p) for p in percentiles],
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
        ]
    assert lambda_api is not None
    api, fn = lambda_api.http_api, lambda_api.function.function
    return [
        cloudwatch.GraphWidget(
            title="API Gateway latency (ms) and 5xx",
            left=[api.metric_latency(statistic=p, period=ONE_MIN, label=p) for p in percentiles],
            right=[api.metric_server_error(period=ONE_MIN, statistic="Sum")],
            width=12,
        ),
        cloudwatch.GraphWidget(
            title="API Lambda duration p95, errors, throttles",
            left=[fn.metric_duration(statistic="p95", period=ONE_MIN)],
            right=[fn.metric_errors(period=ONE_MIN), fn.metric_throttles(period=ONE_MIN)],
            width=12,
        ),
    ]


def status_row(alarms: list[cloudwatch.IAlarm], log_groups: list[logs.ILogGroup]) -> Row:
    """Every SLO and DLQ alarm's state, and errors by code from Logs Insights."""
    return [
        cloudwatch.AlarmStatusWidget(title="SLO and DLQ alarms", alarms=alarms, width=12, height=6),
        cloudwatch.LogQueryWidget(
            title="Errors by code (Logs Insights)",
            log_group_names=[g.log_group_name for g in log_groups],
            query_string=ERRORS_BY_CODE.to_string(),
            width=12,
            height=6,
        ),
    ]
