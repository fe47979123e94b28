"""The observability stack, asserted on the synthesized templates (shared session synth, both modes)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constructs.burn_rate_alarms import check_alarm_range, duration_seconds, load_slo_contract
from tests.infra.tpl import props, resources

MODES = ("fargate", "lambda")
CONTRACT = load_slo_contract()


def _obs(templates: dict[str, dict[str, Any]], infra_configs: dict[str, Any], mode: str) -> dict[str, Any]:
    return templates[mode][infra_configs[mode].stack_name("observability")]


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {props(r)["AlarmName"]: props(r) for r in resources(template, "AWS::CloudWatch::Alarm").values()}


def _expression(alarm: dict[str, Any]) -> str:
    return next(m["Expression"] for m in alarm["Metrics"] if "Expression" in m)


@pytest.mark.parametrize("mode", MODES)
def test_each_slo_has_a_long_and_a_short_burn_alarm_per_rule(templates, infra_configs, mode) -> None:
    alarms = _alarms(_obs(templates, infra_configs, mode))
    lab = infra_configs[mode].lab_name
    for slo in CONTRACT.slos:
        for rule in CONTRACT.rules:
            for which, window in (("long", rule.long), ("short", rule.short)):
                alarm = alarms[f"{lab}-slo-{slo.name}-{rule.severity}-{rule.long}-{rule.short}-{which}"]
                assert alarm["Threshold"] == rule.burn_rate
                assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
                assert alarm["EvaluationPeriods"] == 1
                assert alarm["TreatMissingData"] == "notBreaching"
                stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
                assert {s["Period"] for s in stats} == {duration_seconds(window)}
                assert {s["Stat"] for s in stats} == {"Sum"}
                assert {s["Metric"]["MetricName"] for s in stats} == {slo.total, slo.good or slo.bad}
                assert all(s["Metric"]["Dimensions"] == [{"Name": "Service", "Value": "booking-api"}] for s in stats)
                assert "AlarmActions" not in alarm  # the composite notifies, not each window


@pytest.mark.parametrize("mode", MODES)
def test_burn_rate_math_divides_the_error_ratio_by_the_budget(templates, infra_configs, mode) -> None:
    alarms = _alarms(_obs(templates, infra_configs, mode))
    lab = infra_configs[mode].lab_name
    expected = {
        "availability": "(FILL(availability_bad, 0) / availability_total) / 0.001",
        "latency": "((latency_total - FILL(latency_good, 0)) / latency_total) / 0.05",
        "booking_success": "((booking_success_total - FILL(booking_success_good, 0)) / booking_success_total) / 0.01",
    }
    for name, expression in expected.items():
        assert _expression(alarms[f"{lab}-slo-{name}-page-1h-5m-long"]) == expression


@pytest.mark.parametrize("mode", MODES)
def test_every_alarm_range_is_one_cloudwatch_accepts(templates, infra_configs, mode) -> None:
    alarms = _alarms(_obs(templates, infra_configs, mode))
    three_day = [a for n, a in alarms.items() if n.endswith("-3d-6h-long")]
    assert len(three_day) == len(CONTRACT.slos)
    for alarm in alarms.values():
        periods = {m["MetricStat"]["Period"] for m in alarm.get("Metrics", []) if "MetricStat" in m}
        for period in periods or {alarm["Period"]}:
            check_alarm_range(period, alarm["EvaluationPeriods"])
    assert {m["MetricStat"]["Period"] for a in three_day for m in a["Metrics"] if "MetricStat" in m} == {259200}


def test_the_alarm_range_check_refuses_what_cloudwatch_rejects() -> None:
    check_alarm_range(259200, 1)  # 3 days in one period: <= 7 days with a period >= 1 h
    check_alarm_range(300, 288)  # exactly one day of 5-minute periods
    with pytest.raises(ValueError, match="exceeds"):
        check_alarm_range(300, 289)
    with pytest.raises(ValueError, match="exceeds"):
        check_alarm_range(86400, 8)
    with pytest.raises(ValueError, match="multiple of 60"):
        check_alarm_range(90, 1)


def _rule_text(rule: Any, names: dict[str, str]) -> str:
    """A composite AlarmRule (Fn::Join of GetAtt Arn) as text, each alarm ARN replaced by its name."""
    if isinstance(rule, str):
        return rule
    parts = rule["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else names[p["Fn::GetAtt"][0]] for p in parts)


@pytest.mark.parametrize("mode", MODES)
def test_composites_page_and_ticket_notify_the_encrypted_topic(templates, infra_configs, mode) -> None:
    template = _obs(templates, infra_configs, mode)
    lab = infra_configs[mode].lab_name
    topics = resources(template, "AWS::SNS::Topic")
    assert len(topics) == 1
    topic_id, topic = next(iter(topics.items()))
    assert "KmsMasterKeyId" in props(topic)
    names = {k: props(r)["AlarmName"] for k, r in resources(template, "AWS::CloudWatch::Alarm").items()}
    composites = {
        props(r)["AlarmName"]: props(r) for r in resources(template, "AWS::CloudWatch::CompositeAlarm").values()
    }
    assert len(composites) == 2 * len(CONTRACT.slos)
    for slo in CONTRACT.slos:
        p = f"{lab}-slo-{slo.name}"
        page = composites[f"{p}-page"]
        ticket = composites[f"{p}-ticket"]
        assert _rule_text(page["AlarmRule"], names) == (
            f'((ALARM("{p}-page-1h-5m-long") AND ALARM("{p}-page-1h-5m-short")) OR '
            f'(ALARM("{p}-page-6h-30m-long") AND ALARM("{p}-page-6h-30m-short")))'
        )
        assert _rule_text(ticket["AlarmRule"], names) == (
            f'((ALARM("{p}-ticket-3d-6h-long") AND ALARM("{p}-ticket-3d-6h-short")))'
        )
        for composite in (page, ticket):
            assert composite["AlarmActions"] == [{"Ref": topic_id}]


@pytest.mark.parametrize("mode", MODES)
def test_a_dlq_alarm_per_dead_letter_queue(templates, infra_configs, mode) -> None:
    alarms = _alarms(_obs(templates, infra_configs, mode))
    lab = infra_configs[mode].lab_name
    for key in ("hold-expiry", "booking-events"):
        alarm = alarms[f"{lab}-dlq-{key}-not-empty"]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert len(alarm["AlarmActions"]) == 1


@pytest.mark.parametrize("mode", MODES)
def test_errors_by_code_saved_query_covers_api_and_workers(templates, infra_configs, mode) -> None:
    template = _obs(templates, infra_configs, mode)
    (query,) = [props(r) for r in resources(template, "AWS::Logs::QueryDefinition").values()]
    assert query["Name"] == f"{infra_configs[mode].lab_name}/errors-by-code"
    assert "stats count(*) as errors by err, route" in query["QueryString"]
    assert len(query["LogGroupNames"]) == 3  # the API + two workers


@pytest.mark.parametrize("mode", MODES)
def test_every_log_group_of_the_lab_has_a_retention(templates, mode) -> None:
    groups = [g for t in templates[mode].values() for g in resources(t, "AWS::Logs::LogGroup").values()]
    assert groups
    assert all(props(g).get("RetentionInDays") for g in groups)


@pytest.mark.parametrize(
    ("mode", "present", "absent"),
    [
        ("fargate", ["TargetResponseTime", "CPUUtilization", "MemoryUtilization"], ["IntegrationLatency"]),
        ("lambda", ["AWS/ApiGateway", "Duration", "Throttles"], ["TargetResponseTime"]),
    ],
)
def test_dashboard_shows_slis_budgets_latency_queues_and_compute(
    templates, infra_configs, mode, present, absent
) -> None:
    (dash,) = resources(_obs(templates, infra_configs, mode), "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(props(dash)["DashboardBody"])
    for needle in [
        "p95",
        "p99",
        "Errors5xx",
        "BookingsConfirmed",
        "HoldConflicts",
        "HoldsExpired",
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesVisible",
        "budget remaining",
        "SLI",
        *present,
    ]:
        assert needle in body, needle
    for needle in absent:
        assert needle not in body, needle


@pytest.mark.parametrize("mode", MODES)
def test_observability_stack_has_no_unacknowledged_nag_findings(synth_results, infra_configs, mode) -> None:
    prefix = f"/{infra_configs[mode].stack_name('observability')}/"
    found = [v for v in synth_results[mode].violations if v[2].startswith(prefix)]
    assert found == []
