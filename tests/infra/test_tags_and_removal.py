"""Every stack: lab tags on every taggable resource, nothing retained on `cdk destroy`, wiring order."""

from __future__ import annotations

import json

import pytest

from infra.config import stack_names
from tests.infra.conftest import MODES, SynthResult
from tests.infra.tpl import resources

# Types whose data would survive a destroy if retained; each must be deleted with its stack.
STATEFUL = (
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::SecretsManager::Secret",
)


def _tag_pairs(tags: object) -> dict[str, str]:
    if isinstance(tags, dict):  # API Gateway v2 / SSM style map
        return {str(k): str(v) for k, v in tags.items()}
    assert isinstance(tags, list)
    return {t["Key"]: t["Value"] for t in tags}


@pytest.mark.parametrize("mode", MODES)
def test_every_tagged_resource_carries_lab_name_and_owner(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    tagged = 0
    for template in result.templates.values():
        for logical_id, resource in template["Resources"].items():
            tags = resource.get("Properties", {}).get("Tags")
            if tags is None:
                continue
            pairs = _tag_pairs(tags)
            assert pairs.get("lab:name") == result.config.lab_name, logical_id
            assert pairs.get("lab:owner") == "infra-tests", logical_id
            tagged += 1
    assert tagged >= 25
    for stateful in STATEFUL:
        for template in result.templates.values():
            for logical_id, resource in resources(template, stateful).items():
                assert "Tags" in resource["Properties"], logical_id
    manifest = json.loads((result.outdir / "manifest.json").read_text())
    for name in result.templates:
        assert manifest["artifacts"][name]["properties"]["tags"]["lab:name"] == result.config.lab_name


def test_extra_config_tags_are_applied(synth_results: dict[str, SynthResult]) -> None:
    table = next(iter(resources(synth_results["fargate"].stack("data"), "AWS::DynamoDB::Table").values()))
    assert _tag_pairs(table["Properties"]["Tags"])["cost-center"] == "learning"


@pytest.mark.parametrize("mode", MODES)
def test_nothing_is_retained_on_destroy(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    counted = 0
    for template in result.templates.values():
        for logical_id, resource in template["Resources"].items():
            assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
            assert resource.get("UpdateReplacePolicy", "Delete") == "Delete", logical_id
            if resource["Type"] in STATEFUL:
                assert resource.get("DeletionPolicy") == "Delete", logical_id
                counted += 1
            if resource["Type"] == "AWS::Logs::LogGroup":
                assert resource["Properties"]["RetentionInDays"] == 7, logical_id
    assert counted >= 10


@pytest.mark.parametrize("mode", MODES)
def test_stacks_are_wired_in_order_and_control_knows_every_other_stack(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    result = synth_results[mode]
    names = stack_names(result.config)
    assert sorted(result.templates) == sorted(names)
    manifest = json.loads((result.outdir / "manifest.json").read_text())
    deps = {name: set(manifest["artifacts"][name].get("dependencies", [])) for name in names}
    control = result.config.stack_name("control")
    assert set(names) - {control} <= deps[control]
    assert result.config.stack_name("data") in deps[result.config.stack_name("compute")]
    assert result.config.stack_name("compute") in deps[result.config.stack_name("edge")]
    assert result.config.stack_name("compute") in deps[result.config.stack_name("observability")]
    if mode == "fargate":
        assert result.config.stack_name("network") in deps[result.config.stack_name("compute")]
