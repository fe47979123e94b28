"""The price of what outlives a lab: CDK asset objects and images (per month), and resources still
tagged with the lab after its stacks are gone (per hour, by the same model as `cost estimate`)."""

from __future__ import annotations

from labctl.cost.model import fixed_items
from labctl.cost.prices import load

GIB = 1024**3
# ARN `<service>:<resource type>` -> the CloudFormation type the cost model prices (others cost nothing by the hour)
ARN_TYPES = {
    "elasticloadbalancing:loadbalancer/app": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "ec2:natgateway": "AWS::EC2::NatGateway",
    "ec2:elastic-ip": "AWS::EC2::EIP",
    "kms:key": "AWS::KMS::Key",
    "secretsmanager:secret": "AWS::SecretsManager::Secret",
    "wafv2:global/webacl": "AWS::WAFv2::WebACL",
    "wafv2:regional/webacl": "AWS::WAFv2::WebACL",
    "cloudwatch:alarm": "AWS::CloudWatch::Alarm",
    "cloudwatch:dashboard": "AWS::CloudWatch::Dashboard",
    "ecs:service": "AWS::ECS::Service",
}


def asset_object_usd_month(size_bytes: int, region: str) -> float:
    """A file asset kept in the CDK staging bucket (S3 Standard storage)."""
    return size_bytes / GIB * load(region)["s3_gb_month"].usd


def asset_image_usd_month(size_bytes: int, region: str) -> float:
    """A container image kept in the CDK assets repository (ECR storage)."""
    return size_bytes / GIB * load(region)["ecr_gb_month"].usd


def arn_type(arn: str) -> str:
    """The CloudFormation type of a resource ARN the cost model can price ('' otherwise)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ""
    service, resource = parts[2], parts[5]
    for key, kind in ARN_TYPES.items():
        prefix_service, prefix_resource = key.split(":", 1)
        if service == prefix_service and resource.startswith(prefix_resource):
            return kind
    return ""


def arns_usd_hour(arns: list[str], region: str) -> float:
    """What resources named by ARN cost per hour, with the cost model's defaults for their properties."""
    table = load(region)
    resources = {f"R{i}": {"Type": kind, "Properties": {}} for i, a in enumerate(arns) if (kind := arn_type(a))}
    return sum(item.line(table, 1.0).usd for item in fixed_items({"leftovers": {"Resources": resources}}))
