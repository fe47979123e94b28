"""The price table and the cost model on small hand-written templates (fast; the real templates are
priced in tests/infra/test_cost_estimate.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.cost.estimate import estimate
from labctl.cost.prices import PRICES_PATH

TABLE = json.loads(PRICES_PATH.read_text())
REQUIRED = {
    "alb_hour",
    "alb_lcu_hour",
    "fargate_vcpu_hour_x86",
    "fargate_gb_hour_x86",
    "fargate_vcpu_hour_arm",
    "fargate_gb_hour_arm",
    "public_ipv4_hour",
    "nat_gateway_hour",
    "waf_web_acl_month",
    "waf_rule_month",
    "secret_month",
    "cw_alarm_month",
    "cw_dashboard_month",
    "cw_logs_ingest_gb",
    "dynamodb_million_wru",
    "dynamodb_million_rru",
    "sqs_million_requests",
    "lambda_million_requests",
    "lambda_gb_second_arm",
    "http_api_million_requests",
    "cloudfront_10k_https_requests",
    "s3_gb_month",
    "kms_key_month",
}


def test_every_price_has_both_regions_a_source_page_and_a_date() -> None:
    assert set(TABLE["prices"]) >= REQUIRED
    for key, entry in TABLE["prices"].items():
        assert set(entry["usd"]) >= {"us-east-1", "eu-west-1"}, key
        assert entry["source"].startswith("https://aws.amazon.com/"), key
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", entry["as_of"]), key
        assert all(v >= 0 for v in entry["usd"].values()), key
    assert "NOT fetched" in TABLE["description"]


def p(key: str, region: str = "eu-west-1") -> float:
    return float(TABLE["prices"][key]["usd"][region])


def fargate_stack() -> dict[str, Any]:
    res = {
        "Alb": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Scheme": "internet-facing", "Subnets": ["a", "b", "c"]},
        },
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {"Cpu": "512", "Memory": "1024", "RuntimePlatform": {"CpuArchitecture": "X86_64"}},
        },
        "Svc": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "DesiredCount": 3,
                "TaskDefinition": {"Ref": "Task"},
                "NetworkConfiguration": {"AwsvpcConfiguration": {"AssignPublicIp": "DISABLED"}},
            },
        },
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "NatIp": {"Type": "AWS::EC2::EIP", "Properties": {}},
        "Endpoint": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]},
        },
        "Gateway": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
        "Math": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Metrics": [
                    {"Id": "a", "MetricStat": {}},
                    {"Id": "b", "MetricStat": {}},
                    {"Id": "e", "Expression": "a/b"},
                ]
            },
        },
        "Internal": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Scheme": "internal", "Subnets": ["a", "b"]},
        },
    }
    return {"lab-compute": {"Resources": res}}


def test_fixed_cost_per_hour_matches_the_hand_computed_figure() -> None:
    est = estimate(fargate_stack(), region="eu-west-1", ttl_hours=3, requests=0)
    by_hand = (
        2 * p("alb_hour")  # internet-facing + internal ALB
        + 3 * p("public_ipv4_hour")  # internet-facing ALB in 3 subnets; the internal one has none
        + 1 * p("public_ipv4_hour")  # the NAT gateway's EIP
        + 3 * (0.5 * p("fargate_vcpu_hour_x86") + 1.0 * p("fargate_gb_hour_x86"))
        + p("nat_gateway_hour")
        + 2 * p("vpc_interface_endpoint_hour")  # one per subnet; gateway endpoints are free
        + 2 * p("cw_alarm_month") / 730  # a metric-math alarm bills per metric it reads
    )
    assert est.compute == "fargate"
    assert est.per_hour_usd == pytest.approx(by_hand, rel=1e-12)
    assert est.fixed_usd == pytest.approx(3 * by_hand, rel=1e-12)
    assert est.per_month_usd == pytest.approx(730 * by_hand, rel=1e-12)
    alarm = next(ln for ln in est.lines if ln.logical_id == "Math")
    assert alarm.free_tier is not None  # 2 alarm metrics <= 10 always free


def test_usage_of_a_million_requests_on_an_http_api_lambda() -> None:
    tpl = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"]}},
            "Int": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {"IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]}},
            },
        }
    }
    est = estimate({"lab-compute": tpl}, region="us-east-1", ttl_hours=1, requests=1_000_000)
    usage = {ln.price_key: ln for ln in est.lines if ln.kind == "usage"}
    assert usage["http_api_million_requests"].usd == pytest.approx(p("http_api_million_requests", "us-east-1"))
    assert usage["lambda_million_requests"].usd == pytest.approx(p("lambda_million_requests", "us-east-1"))
    # 1e6 invocations x 50 ms x 1 GB = 50,000 GB-s (inside the 400,000 GB-s always-free tier)
    assert usage["lambda_gb_second_arm"].quantity == pytest.approx(50_000)
    assert usage["lambda_gb_second_arm"].free_tier is not None
    assert est.per_hour_usd == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--ttl", "0"], "duration_out_of_range"),
        (["--ttl", "3d"], "duration_out_of_range"),
        (["--region", "ap-south-9"], "unknown_region"),
        (["--compute", "ec2"], "invalid_compute"),
        (["--cdk-out", "/nonexistent"], "no_cloud_assembly"),
    ],
)
def test_bad_input_to_cost_estimate_is_a_clear_error(args: list[str], code: str) -> None:
    result = CliRunner().invoke(app, ["cost", "estimate", "--json", *args])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == code
