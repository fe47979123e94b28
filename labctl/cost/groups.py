"""An estimate's lines folded the way a person reads a bill: stack -> like resources -> subtotal.

Like resources share a row ("6 composite alarms"); stacks and rows come most expensive first, so the
few items that dominate the bill lead. The grouped view, the `stacks` block of --json and the
biggest-items line all come from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from labctl.cost.estimate import ALLOWANCE, Estimate
from labctl.cost.model import EMF_METRICS, EMF_RESOURCE, TARGET_TRACKING_ALARMS, Line

# CloudFormation type (or the model's own name) -> (one, many), as a person calls it
NOUNS: dict[str, tuple[str, str]] = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("load balancer", "load balancers"),
    "AWS::ECS::Service": ("Fargate service", "Fargate services"),
    "AWS::EC2::NatGateway": ("NAT gateway", "NAT gateways"),
    "AWS::EC2::EIP": ("Elastic IP", "Elastic IPs"),
    "AWS::EC2::VPCEndpoint": ("interface endpoint", "interface endpoints"),
    "AWS::WAFv2::WebACL": ("WAF web ACL", "WAF web ACLs"),
    "AWS::SecretsManager::Secret": ("secret", "secrets"),
    "AWS::CloudWatch::Alarm": ("alarm", "alarms"),
    "AWS::CloudWatch::CompositeAlarm": ("composite alarm", "composite alarms"),
    "AWS::CloudWatch::Dashboard": ("dashboard", "dashboards"),
    "AWS::KMS::Key": ("KMS key", "KMS keys"),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("scaling policy", "scaling policies"),
    "AWS::CloudFront::Distribution": ("CloudFront distribution", "CloudFront distributions"),
    "AWS::ApiGatewayV2::Api": ("HTTP API", "HTTP APIs"),
    "AWS::Lambda::Function": ("Lambda function", "Lambda functions"),
    "AWS::DynamoDB::Table": ("DynamoDB table", "DynamoDB tables"),
    "AWS::SQS::Queue": ("SQS queue", "SQS queues"),
    "AWS::S3::Bucket": ("S3 bucket", "S3 buckets"),
    "AWS::ECR::Repository": ("ECR repository", "ECR repositories"),
}
STACK_NAMES = {"*": "account-wide", "(bootstrap)": "CDK bootstrap (after down)"}


@dataclass(frozen=True)
class Group:
    """Like resources of one stack: how many, what they cost per hour (fixed) and for the TTL (all)."""

    stack: str
    resource: str  # CloudFormation type, or the model's name for account-wide items
    count: int
    per_hour_usd: float
    usd: float
    free_tier_usd: float
    usage: bool  # every line is per request (no hourly cost)

    @property
    def label(self) -> str:
        """`6 composite alarms`, `65 EMF custom metrics`, `2 scaling policies (4 alarms)`."""
        if self.resource == EMF_RESOURCE:
            return f"{EMF_METRICS} EMF custom metrics"
        if self.resource == ALLOWANCE:
            return "CloudWatch allowances"
        if self.resource == "AWS::Logs::LogGroup":
            return "log ingestion"
        one, many = NOUNS.get(self.resource, (self.resource.rsplit("::", 1)[-1], self.resource.rsplit("::", 1)[-1]))
        text = f"{self.count} {one if self.count == 1 else many}"
        if self.resource == "AWS::ApplicationAutoScaling::ScalingPolicy":
            text += f" ({self.count * TARGET_TRACKING_ALARMS} alarms)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "resource": self.resource,
            "count": self.count,
            "per_hour_usd": round(self.per_hour_usd, 6),
            "usd": round(self.usd, 6),
            "free_tier_usd": round(self.free_tier_usd, 6),
        }


@dataclass(frozen=True)
class StackCost:
    """One stack's subtotal and its groups, most expensive first."""

    stack: str
    groups: list[Group]

    @property
    def name(self) -> str:
        return STACK_NAMES.get(self.stack, self.stack)

    @property
    def per_hour_usd(self) -> float:
        return sum(g.per_hour_usd for g in self.groups)

    @property
    def usd(self) -> float:
        return sum(g.usd for g in self.groups)

    @property
    def usage(self) -> bool:
        return all(g.usage for g in self.groups)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "per_hour_usd": round(self.per_hour_usd, 6),
            "usd": round(self.usd, 6),
            "groups": [g.as_dict() for g in self.groups],
        }


def per_hour(line: Line, ttl_hours: float) -> float:
    """What a line costs per hour the lab exists (0 for usage: that is per request)."""
    return 0.0 if line.kind == "usage" else line.usd / ttl_hours


def _group(stack: str, resource: str, lines: list[Line], ttl_hours: float) -> Group:
    return Group(
        stack=stack,
        resource=resource,
        count=len({ln.logical_id for ln in lines}),
        per_hour_usd=sum(per_hour(ln, ttl_hours) for ln in lines),
        usd=sum(ln.usd for ln in lines),
        free_tier_usd=sum(ln.usd for ln in lines if ln.free_tier and ln.kind == "usage"),
        usage=all(ln.kind == "usage" for ln in lines),
    )


def _cost_order(usd: float, per_hour_usd: float) -> tuple[float, float]:
    # credits (negative) sink to the bottom; among the rest the bill for the TTL decides
    return (-usd, -per_hour_usd)


def by_stack(est: Estimate) -> list[StackCost]:
    """The estimate's lines as stacks of like resources, most expensive first."""
    buckets: dict[tuple[str, str], list[Line]] = {}
    for ln in est.lines:
        buckets.setdefault((ln.stack, ln.resource), []).append(ln)
    stacks: dict[str, list[Group]] = {}
    for (stack, resource), lines in buckets.items():
        stacks.setdefault(stack, []).append(_group(stack, resource, lines, est.ttl_hours))
    out = [
        StackCost(stack, sorted(groups, key=lambda g: _cost_order(g.usd, g.per_hour_usd)))
        for stack, groups in stacks.items()
    ]
    return sorted(out, key=lambda s: _cost_order(s.usd, s.per_hour_usd))


def biggest(est: Estimate, n: int = 3) -> list[tuple[Group, float]]:
    """The n groups that weigh most in the TTL's bill, with their share of it."""
    groups = [g for s in by_stack(est) for g in s.groups if g.usd > 0]
    total = sum(g.usd for g in groups) or 1.0
    return [(g, g.usd / total) for g in sorted(groups, key=lambda g: -g.usd)[:n]]


def free_share(est: Estimate) -> float:
    """The part of the TTL's bill at list price that an always-free tier covers."""
    return est.free_tier_usd / est.total_usd if est.total_usd > 0 else 0.0


def stacks_json(stacks: Iterable[StackCost]) -> list[dict[str, Any]]:
    return [s.as_dict() for s in stacks]
