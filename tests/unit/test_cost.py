"""The price table and the cost model on small hand-written templates (fast; the real templates are
priced in tests/infra/test_cost_estimate.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.cost import retained
from labctl.cost.estimate import estimate
from labctl.cost.model import EMF_METRICS
from labctl.cost.prices import PRICES_PATH, load

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
    "cw_custom_metric_month",
    "ecr_gb_month",
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
        + (2 - 2) * p("cw_alarm_month") / 730  # a metric-math alarm bills per metric: 2, inside the 10 free
        + (EMF_METRICS - 10) * p("cw_custom_metric_month") / 730  # the API's EMF metrics, 10 of them free
    )
    assert est.compute == "fargate"
    assert est.per_hour_usd == pytest.approx(by_hand, rel=1e-12)
    assert est.fixed_usd == pytest.approx(3 * by_hand, rel=1e-12)
    assert est.per_month_usd == pytest.approx(730 * by_hand, rel=1e-12)
    credits = {ln.logical_id: ln.usd for ln in est.lines if ln.kind == "allowance"}
    assert credits == {
        "2 of 10 free alarm metrics": pytest.approx(-3 * 2 * p("cw_alarm_month") / 730),
        "10 of 10 free custom metrics": pytest.approx(-3 * 10 * p("cw_custom_metric_month") / 730),
    }


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
    # idle, an HTTP API costs nothing; its custom metrics bill while the lab serves traffic
    assert est.per_hour_usd == pytest.approx((EMF_METRICS - 10) * p("cw_custom_metric_month", "us-east-1") / 730)


def _alarms_and_dashboards(alarms: int, policies: int, dashboards: int) -> dict[str, Any]:
    res: dict[str, Any] = {f"Alarm{i}": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}} for i in range(alarms)}
    res |= {
        f"Policy{i}": {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": {"PolicyType": "TargetTrackingScaling"},
        }
        for i in range(policies)
    }
    res |= {f"Board{i}": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}} for i in range(dashboards)}
    return {"lab-observability": {"Resources": res}}


@pytest.mark.parametrize(
    ("alarms", "policies", "dashboards", "billed_alarm_metrics", "billed_dashboards"),
    [
        (3, 0, 1, 0, 0),  # inside the allowances: nothing billed
        (9, 2, 3, 3, 0),  # 9 alarms + 2 per target-tracking policy = 13 metrics, 10 free
        (60, 2, 4, 54, 1),
    ],
)
def test_cloudwatch_bills_what_exceeds_its_always_free_allowances(
    alarms: int, policies: int, dashboards: int, billed_alarm_metrics: int, billed_dashboards: int
) -> None:
    est = estimate(_alarms_and_dashboards(alarms, policies, dashboards), region="us-east-1", ttl_hours=2, requests=0)
    by_hand = (billed_alarm_metrics * p("cw_alarm_month", "us-east-1") + billed_dashboards * 3.0) / 730
    assert est.per_hour_usd == pytest.approx(by_hand, abs=1e-12)
    tracking = [ln for ln in est.lines if ln.resource == "AWS::ApplicationAutoScaling::ScalingPolicy"]
    assert [ln.quantity * 730 / 2 for ln in tracking] == pytest.approx([2.0] * policies)  # 2 alarms per policy


def test_what_down_leaves_is_priced_per_month_and_described() -> None:
    image_uri = {
        "Fn::Join": [
            "",
            ["123.dkr.ecr.", {"Fn::Sub": "cdk-hnb659fds-container-assets-${AWS::AccountId}"}, ":" + "a" * 64],
        ]
    }
    tpl = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"ImageUri": image_uri}, "PackageType": "Image"},
            },
            "Reaper": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "b" * 64 + ".zip"}}},
        }
    }
    assumed = retained.assets_of({"lab-compute": tpl})
    assert (assumed.images, assumed.objects, assumed.measured) == (1, 2, False)  # the zip and the template
    est = estimate({"lab-compute": tpl}, region="us-east-1", ttl_hours=2, requests=0)
    monthly = retained.IMAGE_BYTES / 1e9 * p("ecr_gb_month", "us-east-1") + retained.OBJECT_BYTES / 1e9 * p(
        "s3_gb_month", "us-east-1"
    )
    assert est.retained_per_month_usd == pytest.approx(monthly)
    assert est.per_hour_usd == pytest.approx(monthly / 730)  # storage bills while the lab runs, too
    assert {ln.kind for ln in est.lines if ln.kind != "usage"} == {"retained"}

    measured = retained.RetainedAssets(
        images=3, image_bytes=250_000_000, objects=40, object_bytes=50_000_000, measured=True
    )
    table = load("us-east-1")
    lines = retained.retained_lines(table, measured)
    assert [round(ln.usd, 6) for ln in lines] == [round(0.25 * 0.10, 6), round(0.05 * 0.023, 6)]
    text = retained.describe(table, measured)
    assert text[0].startswith("3 images in the CDK bootstrap ECR repository (250.0 MB, measured): $0.0250/month")
    assert "40 objects in the CDK bootstrap S3 bucket (50.0 MB, measured)" in text[1]
    assert retained.per_month_usd(table, measured) == pytest.approx(0.025 + 0.00115)


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
