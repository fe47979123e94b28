"""An estimate: fixed cost per hour, cost for the TTL, per month if forgotten, usage, free tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labctl.cost import model, retained, usage
from labctl.cost.model import Hourly, Line, emf_items, fixed_items
from labctl.cost.prices import PriceTable, load
from labctl.cost.templates import Templates, mode_of

# CloudWatch's always-free allowances (per account and month): price key -> (how many, of what)
ALLOWANCES = {
    "cw_alarm_month": (10, "alarm metrics"),
    "cw_dashboard_month": (3, "dashboards"),
    "cw_custom_metric_month": (10, "custom metrics"),
}
ALLOWANCE = "CloudWatch always-free allowance"
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
    retained_per_month_usd: float = 0.0  # what stays billing after `labctl down` (bootstrap image + assets)

    @property
    def fixed_usd(self) -> float:
        return sum(ln.usd for ln in self.lines if ln.kind != "usage")

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
        """Usage inside an always-free tier (the CloudWatch allowances are already deducted from fixed)."""
        return sum(ln.usd for ln in self.lines if ln.free_tier and ln.kind == "usage")

    @property
    def allowance_per_hour_usd(self) -> float:
        """The always-free CloudWatch allowances deducted per hour (add it back if the account uses them)."""
        return -sum(ln.usd for ln in self.lines if ln.kind == "allowance") / self.ttl_hours

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
            "always_free_per_hour_usd": round(self.allowance_per_hour_usd, 6),
            "retained_per_month_usd": round(self.retained_per_month_usd, 6),
            "total_after_free_tier_usd": round(self.total_usd - self.free_tier_usd, 6),
            "free_tier": sorted(
                {f"{ln.resource} {ln.logical_id}: {ln.free_tier}" for ln in self.lines if ln.free_tier}
            ),
            "prices_as_of": self.prices_as_of,
            "assumptions": self.assumptions,
        }


def allowance_items(items: list[Hourly]) -> list[Hourly]:
    """Credits for CloudWatch's always-free allowances, at most what this lab uses of each."""
    used: dict[str, float] = {}
    for item in items:
        if item.price_key in ALLOWANCES:
            used[item.price_key] = used.get(item.price_key, 0.0) + item.per_hour
    credits = []
    for key, (free, what) in ALLOWANCES.items():
        n = min(used.get(key, 0.0), free)
        if n > 0:
            credits.append(
                Hourly(ALLOWANCE, f"{n:g} of {free} free {what}", "*", key, -n, monthly_fee=True, kind="allowance")
            )
    return credits


def estimate(
    templates: Templates, *, region: str, ttl_hours: float, requests: int, prices: PriceTable | None = None
) -> Estimate:
    """Price the templates: fixed items for ttl_hours plus `requests` requests."""
    table = prices or load(region)
    assets = retained.assets_of(templates)
    items = fixed_items(templates) + emf_items(templates) + retained.retained_items(assets)
    items += allowance_items(items)
    fixed = [
        item.line(table, ttl_hours, table[item.price_key].free_tier if item.kind == "allowance" else None)
        for item in items
    ]
    per_hour = sum(item.line(table, 1.0).usd for item in items)
    lines = fixed + usage.usage_lines(templates, table, requests, ttl_hours)
    dates = sorted({table[ln.price_key].as_of for ln in lines})
    credit = -sum(item.line(table, 1.0).usd for item in items if item.kind == "allowance")
    assumptions = [
        f"list prices of {region} from contracts/prices.json (as of {', '.join(dates)}; not fetched, "
        "re-check the source pages)",
        f"per month = fixed cost per hour x {table.hours_per_month} h (a lab left running); monthly fees "
        "(WAF, secrets, alarms, dashboards, custom metrics, KMS keys, storage) prorated hourly",
        f"{requests} requests spread over {ttl_hours:g} h",
        *usage.ASSUMPTIONS,
        *model.ASSUMPTIONS,
        "CloudWatch's always-free allowances (10 alarm metrics, 3 dashboards, 10 custom metrics per account "
        f"and month) are deducted from the fixed cost (${credit:.4f}/h), assuming nothing else in the account "
        "uses them; otherwise add that back",
        retained.assumption(table, assets),
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
        retained_per_month_usd=retained.per_month_usd(table, assets),
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
