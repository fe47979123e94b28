"""Explicit physical names in synthesized templates, and the ones two resources would both claim.

CloudFormation refuses a second resource with a name its service already holds (AlreadyExists),
after every earlier stack of the lab is up. A name's namespace is the service's, not the resource
type's (a metric alarm and a composite alarm share one), and its reach is the account's region,
or the whole account for global services (IAM, S3, dashboards, budgets, CloudFront-scope WAF).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

GLOBAL = "global"

# CloudFormation type -> (namespace, the property that holds the name, global?)
NAMED_TYPES: dict[str, tuple[str, str, bool]] = {
    "AWS::SNS::Topic": ("sns topic", "TopicName", False),
    "AWS::SQS::Queue": ("sqs queue", "QueueName", False),
    "AWS::DynamoDB::Table": ("dynamodb table", "TableName", False),
    "AWS::Logs::LogGroup": ("log group", "LogGroupName", False),
    "AWS::IAM::Role": ("iam role", "RoleName", True),
    "AWS::IAM::ManagedPolicy": ("iam managed policy", "ManagedPolicyName", True),
    "AWS::S3::Bucket": ("s3 bucket", "BucketName", True),
    "AWS::Scheduler::Schedule": ("scheduler schedule", "Name", False),
    "AWS::Scheduler::ScheduleGroup": ("scheduler group", "Name", False),
    "AWS::Events::Rule": ("eventbridge rule", "Name", False),
    "AWS::CloudWatch::Alarm": ("cloudwatch alarm", "AlarmName", False),
    "AWS::CloudWatch::CompositeAlarm": ("cloudwatch alarm", "AlarmName", False),
    "AWS::CloudWatch::Dashboard": ("cloudwatch dashboard", "DashboardName", True),
    "AWS::SecretsManager::Secret": ("secret", "Name", False),
    "AWS::Lambda::Function": ("lambda function", "FunctionName", False),
    "AWS::SSM::Parameter": ("ssm parameter", "Name", False),
    "AWS::KMS::Alias": ("kms alias", "AliasName", False),
    "AWS::ECS::Cluster": ("ecs cluster", "ClusterName", False),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("load balancer", "Name", False),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("target group", "Name", False),
}
# Custom resources that create a named resource through an SDK call (AwsCustomResource): the
# schedule Scheduler deletes after it fires cannot be a CloudFormation schedule.
SDK_CREATES: dict[tuple[str, str], tuple[str, str]] = {
    ("scheduler", "createschedule"): ("scheduler schedule", "Name"),
    ("ssm", "putparameter"): ("ssm parameter", "Name"),
    ("sns", "createtopic"): ("sns topic", "Name"),
    ("sqs", "createqueue"): ("sqs queue", "QueueName"),
}


@dataclass(frozen=True)
class Claim:
    """One resource claiming `name` in `namespace` within `reach` (a region, or `global`)."""

    namespace: str
    reach: str
    name: str
    stack: str
    logical_id: str


def text(value: Any, token: str | None = None) -> str:
    """A name as text; intrinsic parts (Ref, GetAtt) stay visible as their JSON, or become `token`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return str(sep).join(text(p, token) for p in parts)
    return json.dumps(value, sort_keys=True) if token is None else token


def _budget_name(props: Mapping[str, Any]) -> str | None:
    name = props.get("Budget", {}).get("BudgetName")
    return None if name is None else text(name)


def _sdk_claims(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    create = props.get("Create")
    if create is None:
        return
    try:
        call = json.loads(text(create, token="TOKEN"))
    except ValueError:
        return
    key = (str(call.get("service", "")).lower(), str(call.get("action", "")).lower())
    if key in SDK_CREATES:
        namespace, field = SDK_CREATES[key]
        name = call.get("parameters", {}).get(field)
        if name is not None:
            yield namespace, text(name)


def claims(templates: Mapping[str, Mapping[str, Any]], regions: Mapping[str, str]) -> list[Claim]:
    """Every explicit physical name in `templates` (stack -> template), `regions` giving each stack's region."""
    found: list[Claim] = []
    for stack, template in templates.items():
        region = regions[stack]
        for lid, res in template.get("Resources", {}).items():
            kind, props = res["Type"], res.get("Properties", {})
            if kind in NAMED_TYPES:
                namespace, field, is_global = NAMED_TYPES[kind]
                if field in props:
                    found.append(Claim(namespace, GLOBAL if is_global else region, text(props[field]), stack, lid))
            elif kind == "AWS::Budgets::Budget" and (name := _budget_name(props)) is not None:
                found.append(Claim("budget", GLOBAL, name, stack, lid))
            elif kind == "AWS::WAFv2::WebACL" and "Name" in props:
                reach = GLOBAL if props.get("Scope") == "CLOUDFRONT" else region
                found.append(Claim(f"waf web acl ({props.get('Scope')})", reach, text(props["Name"]), stack, lid))
            elif kind.startswith("Custom::"):
                found.extend(Claim(ns, region, name, stack, lid) for ns, name in _sdk_claims(props))
    return found


def clashes(found: list[Claim]) -> dict[tuple[str, str, str], list[str]]:
    """(namespace, reach, name) -> the `stack/logical id` of every resource claiming it, where 2 or more do."""
    by_key: dict[tuple[str, str, str], list[str]] = {}
    for c in found:
        by_key.setdefault((c.namespace, c.reach, c.name), []).append(f"{c.stack}/{c.logical_id}")
    return {k: v for k, v in by_key.items() if len(v) > 1}
