"""Multi-window, multi-burn-rate SLO alarms (Google SRE workbook ch. 5) from contracts/slo.yaml.

Per SLO and per alert rule (long window L, short window S, burn rate B): two metric-math alarms,
burn = ((total - good) / total) / (1 - objective) with period = the window and one evaluation
period, each >= B; a composite alarm ANDs them; one composite per severity (page, ticket) ORs the
rules and notifies the topic. CloudWatch limits period x evaluation periods to 1 day when the period
is under an hour and to 7 days otherwise (PutMetricAlarm), so the 3-day window is ONE 259200 s
period; `check_alarm_range` refuses anything CloudWatch would reject at deploy time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import yaml
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

SLO_FILE = Path(__file__).resolve().parents[2] / "contracts" / "slo.yaml"
_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
ONE_DAY_S = 86_400
SEVEN_DAYS_S = 604_800


def duration_seconds(text: str) -> int:
    """'5m' -> 300, '3d' -> 259200."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"contracts/slo.yaml: {text!r} is not a duration like 5m, 6h, 3d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def check_alarm_range(period_s: int, evaluation_periods: int) -> None:
    """Raise if CloudWatch would reject this alarm's evaluation range (period x evaluation periods)."""
    if period_s not in (10, 20, 30) and period_s % 60:
        raise ValueError(f"alarm period {period_s}s: CloudWatch accepts 10, 20, 30 or a multiple of 60")
    span = period_s * evaluation_periods
    limit = ONE_DAY_S if period_s < 3600 else SEVEN_DAYS_S
    if span > limit:
        raise ValueError(f"alarm range {span}s exceeds CloudWatch's {limit}s for a {period_s}s period")


@dataclass(frozen=True)
class Rule:
    severity: str
    long: str
    short: str
    burn_rate: float


@dataclass(frozen=True)
class SloDef:
    name: str
    description: str
    objective: float
    total: str
    good: str | None
    bad: str | None

    @property
    def budget(self) -> float:
        return round(1.0 - self.objective, 12)


@dataclass(frozen=True)
class SloContract:
    service: str
    namespace: str
    window: str
    latency_threshold_ms: int
    rules: tuple[Rule, ...]
    slos: tuple[SloDef, ...]


def load_slo_contract(path: Path = SLO_FILE) -> SloContract:
    """contracts/slo.yaml, the same file labctl's `slo report` reads."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return SloContract(
        service=str(doc["service"]),
        namespace=str(doc["namespace"]),
        window=str(doc["window"]),
        latency_threshold_ms=int(doc["latency_threshold_ms"]),
        rules=tuple(
            Rule(str(r["severity"]), str(r["long"]), str(r["short"]), float(r["burn_rate"])) for r in doc["alerting"]
        ),
        slos=tuple(
            SloDef(
                str(s["name"]),
                str(s.get("description", "")),
                float(s["objective"]),
                str(s["total"]),
                s.get("good"),
                s.get("bad"),
            )
            for s in doc["slos"]
        ),
    )


def sli_metric(contract: SloContract, name: str, period: cdk.Duration) -> cloudwatch.Metric:
    """A service-level counter (Sum) of the SLIs."""
    return cloudwatch.Metric(
        namespace=contract.namespace,
        metric_name=name,
        dimensions_map={"Service": contract.service},
        statistic="Sum",
        period=period,
    )


def _ids(slo: SloDef) -> tuple[str, str, str]:
    """Metric ids unique per SLO: one graph may hold several SLOs' expressions."""
    return f"{slo.name}_total", f"{slo.name}_good", f"{slo.name}_bad"


def _counts(
    contract: SloContract, slo: SloDef, period: cdk.Duration
) -> tuple[dict[str, cloudwatch.IMetric], str, str, str]:
    """The SLI counters of `slo` over one period: (metrics by id, total id, good and bad as expressions)."""
    total, good, bad = _ids(slo)
    using: dict[str, cloudwatch.IMetric] = {total: sli_metric(contract, slo.total, period)}
    if slo.bad is not None:
        using[bad] = sli_metric(contract, slo.bad, period)
        return using, total, f"({total} - FILL({bad}, 0))", f"FILL({bad}, 0)"
    assert slo.good is not None
    using[good] = sli_metric(contract, slo.good, period)
    return using, total, f"FILL({good}, 0)", f"({total} - FILL({good}, 0))"


def burn_expression(
    contract: SloContract, slo: SloDef, period: cdk.Duration, label: str = ""
) -> cloudwatch.MathExpression:
    """The burn rate of `slo` over one `period`: ((bad / total) / budget); no traffic -> no datapoint."""
    using, total, _, bad = _counts(contract, slo, period)
    return cloudwatch.MathExpression(
        expression=f"({bad} / {total}) / {slo.budget:g}",
        using_metrics=using,
        period=period,
        label=label or f"{slo.name} burn rate",
    )


def sli_expression(contract: SloContract, slo: SloDef, period: cdk.Duration) -> cloudwatch.MathExpression:
    """The SLI in percent over one period (for dashboards)."""
    using, total, good, _ = _counts(contract, slo, period)
    return cloudwatch.MathExpression(
        expression=f"100 * {good} / {total}", using_metrics=using, period=period, label=f"{slo.name} SLI %"
    )


class BurnRateAlarms(Construct):
    """The burn-rate alarms of one SLO. `composites` maps severity -> CompositeAlarm (notifies `topic`)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, contract: SloContract, slo: SloDef, topic: sns.ITopic, prefix: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.window_alarms: list[cloudwatch.Alarm] = []
        self.composites: dict[str, cloudwatch.CompositeAlarm] = {}
        by_severity: dict[str, list[cloudwatch.IAlarmRule]] = {}
        for rule in contract.rules:
            pair = [self._window_alarm(contract, slo, rule, which, prefix) for which in ("long", "short")]
            by_severity.setdefault(rule.severity, []).append(cloudwatch.AlarmRule.all_of(*pair))
        for severity, rules in by_severity.items():
            composite = cloudwatch.CompositeAlarm(
                self,
                f"{severity.capitalize()}",
                composite_alarm_name=f"{prefix}-slo-{slo.name}-{severity}",
                alarm_description=(
                    f"{severity.upper()}: the {slo.name} SLO ({slo.objective:.2%} over {contract.window}) is burning "
                    f"its error budget too fast; run `labctl slo report` and see docs/slo.md."
                ),
                alarm_rule=cloudwatch.AlarmRule.any_of(*rules),
            )
            composite.add_alarm_action(cw_actions.SnsAction(topic))
            composite.add_ok_action(cw_actions.SnsAction(topic))
            self.composites[severity] = composite

    def _window_alarm(
        self, contract: SloContract, slo: SloDef, rule: Rule, which: str, prefix: str
    ) -> cloudwatch.Alarm:
        window = rule.long if which == "long" else rule.short
        seconds = duration_seconds(window)
        check_alarm_range(seconds, 1)
        alarm = cloudwatch.Alarm(
            self,
            f"{rule.severity.capitalize()}{rule.long}{rule.short}{which.capitalize()}",
            alarm_name=f"{prefix}-slo-{slo.name}-{rule.severity}-{rule.long}-{rule.short}-{which}",
            alarm_description=(
                f"{slo.name}: burn rate over {window} >= {rule.burn_rate:g}x ({which} window of the "
                f"{rule.severity} rule {rule.long}/{rule.short}); no actions, the composite alarm notifies."
            ),
            metric=burn_expression(contract, slo, cdk.Duration.seconds(seconds), f"{slo.name} burn {window}"),
            threshold=rule.burn_rate,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,  # no traffic burns no budget
        )
        self.window_alarms.append(alarm)
        return alarm
