"""`labctl cost estimate` on the real synthesized templates of both modes (session fixtures), against
figures computed by hand from contracts/prices.json and by tests/infra/recompute.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.cost import retained
from labctl.cost.estimate import estimate
from tests.infra.recompute import recompute
from tests.infra.tpl import props, resources

PRICES = json.loads((__import__("pathlib").Path(__file__).resolve().parents[2] / "contracts/prices.json").read_text())


def usd(key: str, region: str) -> float:
    return float(PRICES["prices"][key]["usd"][region])


def every(templates: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for t in templates.values() for r in resources(t, kind).values()]


@pytest.mark.parametrize("mode", ["fargate", "lambda"])
def test_the_fixed_cost_per_hour_matches_an_independent_recomputation_from_list_prices(
    synth_results: dict[str, Any], mode: str
) -> None:
    result = synth_results[mode]
    region = result.config.region
    items = recompute(result.templates, result.outdir, region)

    est = estimate(result.templates, region=region, ttl_hours=2, requests=0)

    expected = sum(items.values())
    assert est.per_hour_usd == pytest.approx(expected, rel=0.05)  # the bar
    assert est.per_hour_usd == pytest.approx(expected, rel=0.005)  # what it is: only the asset size is assumed
    assert est.fixed_usd == pytest.approx(2 * est.per_hour_usd, rel=1e-9)
    assert est.per_month_usd == pytest.approx(730 * est.per_hour_usd, rel=1e-9)
    assert est.usage_usd == 0


def test_fargate_lab_costs_alb_tasks_public_ips_scaling_alarms_and_metrics(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    config = infra_configs["fargate"]  # eu-west-1, 2 tasks
    region, tpls = config.region, templates["fargate"]
    (service,) = every(tpls, "AWS::ECS::Service")
    (task,) = every(tpls, "AWS::ECS::TaskDefinition")
    (alb,) = every(tpls, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert props(service)["DesiredCount"] == config.desired_count == 2

    est = estimate(tpls, region=region, ttl_hours=1, requests=0)

    by_key: dict[str, float] = {}
    for line in est.lines:
        by_key[line.price_key] = by_key.get(line.price_key, 0) + line.usd
    assert by_key["alb_hour"] == pytest.approx(usd("alb_hour", region))
    ips = len(props(alb)["Subnets"]) + 2  # the ALB's nodes and both tasks
    assert by_key["public_ipv4_hour"] == pytest.approx(ips * usd("public_ipv4_hour", region))
    vcpu, gb = int(props(task)["Cpu"]) / 1024, int(props(task)["Memory"]) / 1024
    fargate = 2 * (vcpu * usd("fargate_vcpu_hour_arm", region) + gb * usd("fargate_gb_hour_arm", region))
    assert by_key["fargate_vcpu_hour_arm"] + by_key["fargate_gb_hour_arm"] == pytest.approx(fargate)
    tracking = [ln for ln in est.lines if ln.resource == "AWS::ApplicationAutoScaling::ScalingPolicy"]
    assert len(tracking) == 2  # requests per target and CPU: 2 alarms each, made by Application Auto Scaling
    assert sum(ln.usd for ln in tracking) == pytest.approx(4 * usd("cw_alarm_month", region) / 730)
    (emf,) = [ln for ln in est.lines if ln.price_key == "cw_custom_metric_month" and ln.kind == "fixed"]
    assert emf.usd == pytest.approx(65 * usd("cw_custom_metric_month", region) / 730)


@pytest.mark.parametrize("mode", ["fargate", "lambda"])
def test_the_one_dashboard_is_free_and_the_allowances_are_deducted_once(templates: dict[str, Any], mode: str) -> None:
    est = estimate(templates[mode], region="us-east-1", ttl_hours=1, requests=0)
    credits = {ln.price_key: ln.usd for ln in est.lines if ln.kind == "allowance"}
    dashboards = sum(ln.usd for ln in est.lines if ln.price_key == "cw_dashboard_month" and ln.kind == "fixed")
    assert dashboards + credits["cw_dashboard_month"] == pytest.approx(0)
    assert credits["cw_alarm_month"] == pytest.approx(-10 * 0.10 / 730)
    assert credits["cw_custom_metric_month"] == pytest.approx(-10 * 0.30 / 730)
    assert est.allowance_per_hour_usd == pytest.approx((1.0 + 3.0 + 3.0) / 730)


@pytest.mark.parametrize("mode", ["fargate", "lambda"])
def test_the_bootstrap_copies_of_image_and_assets_are_priced_as_what_down_leaves(
    synth_results: dict[str, Any], mode: str
) -> None:
    result = synth_results[mode]
    assets = retained.assets_of(result.templates)
    staged = len({k for m in result.outdir.glob("*.assets.json") for k in json.loads(m.read_text())["files"]})
    assert assets.images == 1  # one image serves the task and every function
    assert assets.objects == staged  # every file asset and template the deploy uploads

    est = estimate(result.templates, region="us-east-1", ttl_hours=2, requests=0)

    kept = [ln for ln in est.lines if ln.kind == "retained"]
    assert {ln.price_key for ln in kept} == {"ecr_gb_month", "s3_gb_month"}
    assert est.retained_per_month_usd == pytest.approx(0.09 * 0.10 + 0.0223 * 0.023, rel=1e-6)
    assert any("labctl down --purge-assets" in a for a in est.as_dict()["assumptions"])


def test_lambda_lab_has_only_monthly_fees_while_idle_and_usage_per_request(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    config = infra_configs["lambda"]  # us-east-1
    region, tpls = config.region, templates["lambda"]
    assert every(tpls, "AWS::ECS::Service") == []
    assert every(tpls, "AWS::ElasticLoadBalancingV2::LoadBalancer") == []

    est = estimate(tpls, region=region, ttl_hours=2, requests=1_000_000)

    assert est.compute == "lambda"
    assert {ln.price_key for ln in est.lines if ln.kind == "fixed"} <= {
        "waf_web_acl_month",
        "waf_rule_month",
        "secret_month",
        "kms_key_month",
        "cw_alarm_month",
        "cw_composite_alarm_month",
        "cw_dashboard_month",
        "cw_custom_metric_month",
    }
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


def test_the_default_view_of_the_synthesized_lab_fits_one_screen_at_80_columns(
    templates: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from labctl.cost.service import EstimateResult
    from tests.support.screen import assert_fits, rendered

    both = [estimate(templates[m], region="us-east-1", ttl_hours=2, requests=10_000) for m in ("fargate", "lambda")]

    text = rendered(EstimateResult(both).render, 80, monkeypatch)

    assert len(text.splitlines()) <= 40
    assert_fits(text, 80, whole=["6 composite alarms", "65 EMF custom metrics", "lambda (cheapest)"])
    details = rendered(EstimateResult(both[:1], details=True).render, 80, monkeypatch)
    assert sum(1 for line in details.splitlines() if line.startswith("  ") and "$" in line) >= len(both[0].lines)
