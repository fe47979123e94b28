"""`labctl cost estimate` on the real synthesized templates of both modes (session fixtures), against
figures computed here by hand from contracts/prices.json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.cost.estimate import estimate
from tests.infra.tpl import props, resources

PRICES = json.loads((__import__("pathlib").Path(__file__).resolve().parents[2] / "contracts/prices.json").read_text())


def usd(key: str, region: str) -> float:
    return float(PRICES["prices"][key]["usd"][region])


def every(templates: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for t in templates.values() for r in resources(t, kind).values()]


def monthly_fees_per_hour(templates: dict[str, Any], region: str) -> float:
    """WAF ACL + rules, secrets, alarms (per metric), dashboards, KMS keys: monthly fees / 730 h."""
    acls = every(templates, "AWS::WAFv2::WebACL")
    rules = sum(len(props(a).get("Rules", [])) for a in acls)
    alarm_metrics = sum(
        max(1, len([m for m in props(a).get("Metrics", []) if "MetricStat" in m]))
        for a in every(templates, "AWS::CloudWatch::Alarm")
    )
    month = (
        len(acls) * usd("waf_web_acl_month", region)
        + rules * usd("waf_rule_month", region)
        + len(every(templates, "AWS::SecretsManager::Secret")) * usd("secret_month", region)
        + alarm_metrics * usd("cw_alarm_month", region)
        + len(every(templates, "AWS::CloudWatch::CompositeAlarm")) * usd("cw_composite_alarm_month", region)
        + len(every(templates, "AWS::CloudWatch::Dashboard")) * usd("cw_dashboard_month", region)
        + len(every(templates, "AWS::KMS::Key")) * usd("kms_key_month", region)
    )
    return month / 730


def test_fargate_lab_costs_alb_tasks_public_ips_and_monthly_fees_per_hour(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    config = infra_configs["fargate"]  # eu-west-1, 2 tasks
    region, tpls = config.region, templates["fargate"]
    (service,) = every(tpls, "AWS::ECS::Service")
    (task,) = every(tpls, "AWS::ECS::TaskDefinition")
    (alb,) = every(tpls, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    tasks = props(service)["DesiredCount"]
    assert tasks == config.desired_count == 2
    arch = "arm" if props(task)["RuntimePlatform"]["CpuArchitecture"] == "ARM64" else "x86"
    vcpu, gb = int(props(task)["Cpu"]) / 1024, int(props(task)["Memory"]) / 1024
    public = props(service)["NetworkConfiguration"]["AwsvpcConfiguration"].get("AssignPublicIp") == "ENABLED"
    ips = len(props(alb)["Subnets"]) + (tasks if public else 0) + len(every(tpls, "AWS::EC2::EIP"))
    expected = (
        usd("alb_hour", region)
        + ips * usd("public_ipv4_hour", region)
        + len(every(tpls, "AWS::EC2::NatGateway")) * usd("nat_gateway_hour", region)
        + tasks * (vcpu * usd(f"fargate_vcpu_hour_{arch}", region) + gb * usd(f"fargate_gb_hour_{arch}", region))
        + monthly_fees_per_hour(tpls, region)
    )

    est = estimate(tpls, region=region, ttl_hours=2, requests=0)

    assert est.compute == "fargate"
    assert est.per_hour_usd == pytest.approx(expected, rel=1e-9)
    assert est.fixed_usd == pytest.approx(2 * expected, rel=1e-9)
    assert est.per_month_usd == pytest.approx(730 * expected, rel=1e-9)
    assert est.usage_usd == 0


def test_lambda_lab_has_only_monthly_fees_while_idle_and_usage_per_request(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    config = infra_configs["lambda"]  # us-east-1
    region, tpls = config.region, templates["lambda"]
    assert every(tpls, "AWS::ECS::Service") == []
    assert every(tpls, "AWS::ElasticLoadBalancingV2::LoadBalancer") == []

    est = estimate(tpls, region=region, ttl_hours=2, requests=1_000_000)

    assert est.compute == "lambda"
    assert est.per_hour_usd == pytest.approx(monthly_fees_per_hour(tpls, region), rel=1e-9)
    by_key: dict[str, float] = {}
    for line in est.lines:
        by_key[line.price_key] = by_key.get(line.price_key, 0) + line.quantity
    # one million requests: one million HTTP API calls, CloudFront requests and WAF inspections
    assert by_key["http_api_million_requests"] == pytest.approx(1.0)
    assert by_key["cloudfront_10k_https_requests"] == pytest.approx(
        100.0 * len(every(tpls, "AWS::CloudFront::Distribution"))
    )
    assert by_key["waf_million_requests"] == pytest.approx(1.0)
    api_usd = sum(ln.usd for ln in est.lines if ln.price_key == "http_api_million_requests")
    assert api_usd == pytest.approx(usd("http_api_million_requests", region))


def test_cli_estimate_reads_the_cloud_assembly_and_prints_the_documented_json(synth_results: dict[str, Any]) -> None:
    result = synth_results["fargate"]
    run = CliRunner().invoke(
        app,
        [
            "cost",
            "estimate",
            "--cdk-out",
            str(result.outdir),
            "--ttl",
            "2h",
            "--region",
            result.config.region,
            "--requests",
            "10000",
            "--json",
        ],
    )
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    assert {
        "region",
        "ttl_hours",
        "compute",
        "lines",
        "total_usd",
        "per_hour_usd",
        "per_month_usd",
        "assumptions",
    } <= set(out)
    assert (out["region"], out["ttl_hours"], out["compute"]) == ("eu-west-1", 2, "fargate")
    for line in out["lines"]:
        assert {"resource", "logical_id", "unit", "quantity", "usd"} <= set(line)
    direct = estimate(result.templates, region="eu-west-1", ttl_hours=2, requests=10_000)
    assert out["total_usd"] == pytest.approx(direct.total_usd, abs=1e-6)
    assert out["per_month_usd"] == pytest.approx(out["per_hour_usd"] * 730, rel=1e-4)
    assert any("not fetched" in a for a in out["assumptions"])


def test_for_a_two_hour_lab_lambda_is_cheaper_than_fargate_in_the_same_region(templates: dict[str, Any]) -> None:
    fargate = estimate(templates["fargate"], region="us-east-1", ttl_hours=2, requests=10_000)
    lam = estimate(templates["lambda"], region="us-east-1", ttl_hours=2, requests=10_000)
    assert lam.per_hour_usd < fargate.per_hour_usd
    assert lam.total_usd < fargate.total_usd
