"""LabConfig validation, context parsing and the deterministic stack names (no synth)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infra.config import (
    EDGE_REGION,
    ConfigError,
    LabConfig,
    config_from_context,
    stack_names,
    stack_regions,
)


@pytest.mark.parametrize(
    ("context", "code"),
    [
        ({"lab_name": "Bad_Name"}, "invalid_lab_name"),
        ({"lab_name": "x"}, "invalid_lab_name"),
        ({"compute": "ec2"}, "invalid_compute"),
        ({"region": "mars-1"}, "invalid_region"),
        ({"desired_count": "zero"}, "invalid_desired_count"),
        ({"desired_count": "0"}, "invalid_desired_count"),
        ({"desired_count": "5", "max_count": "4"}, "invalid_max_count"),
        ({"hold_ttl_seconds": "901"}, "invalid_hold_ttl"),
        ({"hold_ttl_seconds": "4"}, "invalid_hold_ttl"),
        ({"alert_email": "not-an-address"}, "invalid_alert_email"),
        ({"domain": "tickets.example.com"}, "incomplete_domain"),
        (
            {"domain": "tickets.example.org", "hosted_zone_id": "Z123456ABC", "hosted_zone_name": "example.com"},
            "domain_outside_zone",
        ),
        (
            {"domain": "a.example.com", "hosted_zone_id": "bad", "hosted_zone_name": "example.com"},
            "invalid_hosted_zone_id",
        ),
        ({"expires_at": "tomorrow"}, "invalid_expires_at"),
        ({"expires_at": "2026-11-25T12:00:00"}, "invalid_expires_at"),
        ({"expires_at": "2026-11-25T12:00:00+02:00"}, "invalid_expires_at"),
        ({"tags": "novalue"}, "invalid_tag"),
        ({"tags": {"aws:reserved": "x"}}, "invalid_tag"),
    ],
)
def test_a_bad_value_fails_with_a_stable_code(context: dict[str, Any], code: str) -> None:
    with pytest.raises(ConfigError) as err:
        config_from_context(context)
    assert err.value.code == code
    assert code in str(err.value)


def test_context_strings_become_typed_values() -> None:
    config = config_from_context(
        {
            "lab_name": "demo-lab",
            "owner": "ana",
            "region": "eu-west-1",
            "compute": "lambda",
            "desired_count": "2",
            "max_count": "3",
            "hold_ttl_seconds": "60",
            "tags": "team=sre, env=lab",
            "expires_at": "2026-11-25T18:30:00Z",
            "alert_email": "ana@example.com",
        }
    )
    assert (config.lab_name, config.owner, config.region, config.compute) == ("demo-lab", "ana", "eu-west-1", "lambda")
    assert (config.desired_count, config.max_count, config.hold_ttl_seconds) == (2, 3, 60)
    assert dict(config.tags) == {"team": "sre", "env": "lab"}
    assert config.expires_at == datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    assert config.cross_region is True


def test_environment_fills_what_the_context_leaves_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_NAME", "fromenv")
    monkeypatch.setenv("LAB_COMPUTE", "lambda")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "ap-southeast-2")
    config = config_from_context({"lab_name": "fromctx"})
    assert (config.lab_name, config.compute, config.region) == ("fromctx", "lambda", "ap-southeast-2")


def test_stack_names_are_deterministic_and_ordered_for_deploy() -> None:
    fargate = LabConfig(lab_name="demo")
    assert stack_names(fargate) == [
        "demo-network",
        "demo-data",
        "demo-compute",
        "demo-edge",
        "demo-observability",
        "demo-control",
    ]
    lam = LabConfig(lab_name="demo", compute="lambda")
    assert stack_names(lam) == ["demo-data", "demo-compute", "demo-edge", "demo-observability", "demo-control"]


def test_the_edge_stack_lives_in_us_east_1_and_the_rest_in_the_lab_region() -> None:
    regions = stack_regions(LabConfig(lab_name="demo", region="eu-central-1"))
    assert regions.pop("demo-edge") == EDGE_REGION
    assert set(regions.values()) == {"eu-central-1"}


def test_an_image_tag_comes_from_context_or_env_and_must_be_a_valid_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_from_context({}).image_tag is None
    assert config_from_context({"image_tag": "3f2a9c1"}).image_tag == "3f2a9c1"
    monkeypatch.setenv("LAB_IMAGE_TAG", "v1.2.3")
    config = config_from_context({})
    assert (config.image_tag, config.image_repository_name) == ("v1.2.3", "labctl-api")
    for bad in ("-leading-dash", "has space", "x" * 129, "a:b"):
        with pytest.raises(ConfigError) as err:
            config_from_context({"image_tag": bad})
        assert err.value.code == "invalid_image_tag"
