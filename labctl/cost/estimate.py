"""An estimate: fixed cost per hour, cost for the TTL, per month if forgotten, usage, free tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labctl.cost import usage
from labctl.cost.model import Line, counts, fixed_items
from labctl.cost.prices import PriceTable, load
from labctl.cost.templates import Templates, mode_of

FREE_ALARMS, FREE_DASHBOARDS = 10, 3  # CloudWatch always-free allowances per month
NOT_BILLED = (
    "not billed while idle: DynamoDB on-demand, SQS, Lambda, HTTP API, CloudFront, S3 (usage lines), "
    "EventBridge Scheduler (14M invocations/month free), SNS (1M publishes free), AWS Budgets without "
    "actions, ACM public certificates, CDK custom-resource Lambdas (run only during deploy)"
)


@dataclass
class Estimate:
    """What one lab costs in one region and compute mode."""

    region: str
    compute: str
    ttl_hours: float
    requests: int
    lines: list[Line]
    per_hour_usd: float
    assumptions: list[str] = field(default_factory=list)
    prices_as_of: list[str] = field(default_factory=list)
    hours_per_month: int = 730

    @property
    def fixed_usd(self) -> float:
        return sum(ln.usd for ln in self.lines if ln.kind == "fixed")

    @property
    def usage_usd(self) -> float:
        return sum(ln.usd for ln in self.lines if ln.kind == "usage")

    @property
    def total_usd(self) -> float:
        return self.fixed_usd + self.usage_usd

    @property
    def per_month_usd(self) -> float:
        return self.per_hour_usd * self.hours_per_month

    @property
    def free_tier_usd(self) -> float:
        return sum(ln.usd for ln in self.lines if ln.free_tier)

    def as_dict(self) -> dict[str, Any]:
        """The --json shape (amounts rounded to 1/10000 of a cent)."""
        return {
            "region": self.region,
            "ttl_hours": self.ttl_hours,
            "compute": self.compute,
            "requests": self.requests,
            "lines": [ln.as_dict() for ln in self.lines],
            "total_usd": round(self.total_usd, 6),
            "per_hour_usd": round(self.per_hour_usd, 6),
            "per_month_usd": round(self.per_month_usd, 4),
            "fixed_usd": round(self.fixed_usd, 6),
            "usage_usd": round(self.usage_usd, 6),
            "free_tier_usd": round(self.free_tier_usd, 6),
            "total_after_free_tier_usd": round(self.total_usd - self.free_tier_usd, 6),
            "free_tier": sorted(
                {f"{ln.resource} {ln.logical_id}: {ln.free_tier}" for ln in self.lines if ln.free_tier}
            ),
            "prices_as_of": self.prices_as_of,
            "assumptions": self.assumptions,
        }


def estimate(
    templates: Templates, *, region: str, ttl_hours: float, requests: int, prices: PriceTable | None = None
) -> Estimate:
    """Price the templates: fixed items for ttl_hours plus `requests` requests."""
    table = prices or load(region)
    found = counts(templates)
    alarms_free = found.get("AWS::CloudWatch::Alarm", 0) <= FREE_ALARMS
    dashboards_free = found.get("AWS::CloudWatch::Dashboard", 0) <= FREE_DASHBOARDS
    fixed: list[Line] = []
    per_hour = 0.0
    for item in fixed_items(templates):
        free = None
        if (item.price_key == "cw_alarm_month" and alarms_free) or (
            item.price_key == "cw_dashboard_month" and dashboards_free
        ):
            free = table[item.price_key].free_tier
        line = item.line(table, ttl_hours, free)
        fixed.append(line)
        per_hour += item.line(table, 1.0).usd
    lines = fixed + usage.usage_lines(templates, table, requests, ttl_hours)
    dates = sorted({table[ln.price_key].as_of for ln in lines})
    assumptions = [
        f"list prices of {region} from contracts/prices.json (as of {', '.join(dates)}; not fetched, "
        "re-check the source pages)",
        f"per month = fixed cost per hour x {table.hours_per_month} h (a lab left running); monthly fees "
        "(WAF, secrets, alarms, dashboards, KMS keys) prorated hourly",
        f"{requests} requests spread over {ttl_hours:g} h",
        *usage.ASSUMPTIONS,
        "edge stack (CloudFront, WAF) lives in us-east-1; their prices are global, priced at the lab region's table",
        "blue/green deploys briefly double the Fargate tasks; data transfer between AZs is not counted",
        NOT_BILLED,
    ]
    return Estimate(
        region=region,
        compute=mode_of(templates),
        ttl_hours=ttl_hours,
        requests=requests,
        lines=lines,
        per_hour_usd=per_hour,
        assumptions=assumptions,
        prices_as_of=dates,
        hours_per_month=table.hours_per_month,
    )


def side_by_side(estimates: list[Estimate]) -> dict[str, Any]:
    """Both modes' totals and which is cheapest for this TTL and request count."""
    cheapest = min(estimates, key=lambda e: e.total_usd)
    return {
        "cheapest": cheapest.compute,
        "modes": {
            e.compute: {
                "per_hour_usd": round(e.per_hour_usd, 6),
                "total_usd": round(e.total_usd, 6),
                "per_month_usd": round(e.per_month_usd, 4),
            }
            for e in estimates
        },
    }
