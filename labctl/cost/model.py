"""Billable resources of synthesized templates -> fixed hourly cost lines (per template resource)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from labctl.cost.prices import PriceTable
from labctl.cost.templates import Templates


@dataclass(frozen=True)
class Line:
    """One priced item: `quantity` of `unit` over the period, costing `usd` at list price."""

    resource: str  # CloudFormation type
    logical_id: str
    stack: str
    unit: str
    quantity: float
    usd: float
    price_key: str
    # "fixed" (per hour the lab exists), "usage" (per request), "retained" (storage that outlives
    # `labctl down`), "allowance" (an always-free allowance, a negative amount)
    kind: str
    free_tier: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "logical_id": self.logical_id,
            "stack": self.stack,
            "unit": self.unit,
            "quantity": round(self.quantity, 6),
            "usd": round(self.usd, 6),
            "kind": self.kind,
            "price_key": self.price_key,
            "free_tier": self.free_tier,
        }


@dataclass(frozen=True)
class Hourly:
    """A fixed cost: `per_hour` units of price `price_key` (hourly, or a monthly fee prorated)."""

    resource: str
    logical_id: str
    stack: str
    price_key: str
    per_hour: float  # units per hour
    monthly_fee: bool = False
    kind: str = "fixed"

    def line(self, prices: PriceTable, hours: float, free_tier: str | None = None) -> Line:
        price = prices[self.price_key]
        rate = prices.per_hour(self.price_key) if self.monthly_fee else price.usd
        unit = f"{price.unit} (prorated hourly)" if self.monthly_fee else price.unit
        qty = self.per_hour * hours * (1 / prices.hours_per_month if self.monthly_fee else 1)
        return Line(
            self.resource,
            self.logical_id,
            self.stack,
            unit,
            qty,
            self.per_hour * rate * hours,
            self.price_key,
            self.kind,
            free_tier,
        )


# The custom metrics the API and the workers publish through EMF: one per metric name and dimension
# set (api/http/metrics.py, api/workers/*); tests/unit/test_cost_metrics.py recounts them from that code.
EMF_ROUTES = 11  # API route templates x methods (GET /api/movies ... GET /api/bookings/{id}/confirmation)
EMF_PER_ROUTE = 4  # Requests, Errors5xx, GoodLatency, Latency by (Service, Route, Method)
EMF_SERVICE = 4 + 9  # the same four by Service alone, and the 9 booking and hold counters
EMF_WORKERS = 8  # hold expiry 4, booking events 3, outbox sweeper 1 (by service)
EMF_METRICS = EMF_ROUTES * EMF_PER_ROUTE + EMF_SERVICE + EMF_WORKERS
EMF_RESOURCE = "CloudWatch custom metrics (EMF)"
# Application Auto Scaling creates two alarms (scale out, scale in) per target-tracking policy, outside the template.
TARGET_TRACKING_ALARMS = 2
ASSUMPTIONS = [
    f"custom metrics: the {EMF_METRICS} the API and the workers publish through EMF ({EMF_ROUTES} API routes x "
    f"{EMF_PER_ROUTE}, {EMF_SERVICE} service-level, {EMF_WORKERS} worker counters); each bills for every hour "
    "it receives data, so they are priced as a lab in use every hour",
    f"autoscaling: Application Auto Scaling creates {TARGET_TRACKING_ALARMS} alarms per target-tracking policy "
    "(not in the template), 1 alarm metric each",
]


def _resources(templates: Templates) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for stack, template in templates.items():
        for logical_id, res in template.get("Resources", {}).items():
            yield stack, logical_id, res, template


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else 1


def _task_definition(template: dict[str, Any], ref: Any) -> dict[str, Any]:
    if isinstance(ref, dict) and "Ref" in ref:
        props: dict[str, Any] = template["Resources"][ref["Ref"]].get("Properties", {})
        return props
    return {}


def fixed_items(templates: Templates) -> list[Hourly]:
    """Every resource that bills by the hour while it exists (or a prorated monthly fee)."""
    items: list[Hourly] = []
    for stack, lid, res, template in _resources(templates):
        kind, props = res["Type"], res.get("Properties", {})
        add = items.append
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and props.get("Type", "application") == "application":
            add(Hourly(kind, lid, stack, "alb_hour", 1))
            if props.get("Scheme", "internet-facing") == "internet-facing":
                # one public IPv4 per AZ node of an internet-facing ALB (more when it scales out)
                subnets = props.get("Subnets") or props.get("SubnetMappings") or []
                add(Hourly(kind, lid, stack, "public_ipv4_hour", _count(subnets)))
        elif kind == "AWS::ECS::Service":
            items.extend(_fargate(stack, lid, props, template))
        elif kind == "AWS::EC2::NatGateway":
            add(Hourly(kind, lid, stack, "nat_gateway_hour", 1))
        elif kind == "AWS::EC2::EIP":
            add(Hourly(kind, lid, stack, "public_ipv4_hour", 1))
        elif kind == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType") == "Interface":
            add(Hourly(kind, lid, stack, "vpc_interface_endpoint_hour", _count(props.get("SubnetIds", []))))
        elif kind == "AWS::WAFv2::WebACL":
            add(Hourly(kind, lid, stack, "waf_web_acl_month", 1, monthly_fee=True))
            add(Hourly(kind, lid, stack, "waf_rule_month", len(props.get("Rules", [])), monthly_fee=True))
        elif kind == "AWS::SecretsManager::Secret":
            add(Hourly(kind, lid, stack, "secret_month", 1, monthly_fee=True))
        elif kind == "AWS::CloudWatch::Alarm":
            # a metric-math alarm bills per metric it reads
            metrics = [m for m in props.get("Metrics", []) if "MetricStat" in m]
            add(Hourly(kind, lid, stack, "cw_alarm_month", max(1, len(metrics)), monthly_fee=True))
        elif kind == "AWS::CloudWatch::CompositeAlarm":
            add(Hourly(kind, lid, stack, "cw_composite_alarm_month", 1, monthly_fee=True))
        elif kind == "AWS::CloudWatch::Dashboard":
            add(Hourly(kind, lid, stack, "cw_dashboard_month", 1, monthly_fee=True))
        elif kind == "AWS::KMS::Key":
            add(Hourly(kind, lid, stack, "kms_key_month", 1, monthly_fee=True))
        elif (
            kind == "AWS::ApplicationAutoScaling::ScalingPolicy" and props.get("PolicyType") == "TargetTrackingScaling"
        ):
            add(Hourly(kind, lid, stack, "cw_alarm_month", TARGET_TRACKING_ALARMS, monthly_fee=True))
    return items


def emf_items(templates: Templates) -> list[Hourly]:
    """The API's and the workers' custom metrics, billed for every hour they receive data (an active lab)."""
    api = {"AWS::ECS::Service", "AWS::ApiGatewayV2::Api"}
    for stack, template in templates.items():
        if any(r["Type"] in api for r in template.get("Resources", {}).values()):
            return [Hourly(EMF_RESOURCE, "(API and workers)", stack, "cw_custom_metric_month", EMF_METRICS, True)]
    return []


def _fargate(stack: str, lid: str, props: dict[str, Any], template: dict[str, Any]) -> list[Hourly]:
    kind = "AWS::ECS::Service"
    task = _task_definition(template, props.get("TaskDefinition"))
    count = int(props.get("DesiredCount", 1))
    vcpu = int(task.get("Cpu", 256)) / 1024
    gb = int(task.get("Memory", 512)) / 1024
    arch = "arm" if task.get("RuntimePlatform", {}).get("CpuArchitecture") == "ARM64" else "x86"
    items = [
        Hourly(kind, lid, stack, f"fargate_vcpu_hour_{arch}", vcpu * count),
        Hourly(kind, lid, stack, f"fargate_gb_hour_{arch}", gb * count),
    ]
    network = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    if network.get("AssignPublicIp") == "ENABLED":
        items.append(Hourly(kind, lid, stack, "public_ipv4_hour", count))
    return items


def counts(templates: Templates) -> dict[str, int]:
    """How many resources of each type the templates hold (for free-tier checks and usage)."""
    found: dict[str, int] = {}
    for _, _, res, _ in _resources(templates):
        found[res["Type"]] = found.get(res["Type"], 0) + 1
    return found


def resources_of(templates: Templates, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(stack, logical id, properties) of every resource of one type."""
    return [(s, lid, r.get("Properties", {})) for s, lid, r, _ in _resources(templates) if r["Type"] == kind]
