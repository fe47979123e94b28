"""No two resources of a lab claim the same physical name in one account and region, in any variant
(fargate/lambda x with/without a domain x us-east-1/eu-west-1): CloudFormation would refuse the
second one with AlreadyExists after the earlier stacks are up."""

from __future__ import annotations

from typing import Any

import pytest

from labctl.cost.templates import stack_artifacts
from tests.infra.conftest import CliSynth, SynthResult
from tests.infra.physical_names import Claim, claims, clashes
from tests.infra.variants import every_variant, read_labs, variant_name

# The first test waits for the six-variant synth started at session start (tens of seconds on a quiet
# machine, more under load): a longer bound than the suite's default.
pytestmark = pytest.mark.timeout(900)


def _session_labs(synth_results: dict[str, SynthResult]) -> dict[tuple[str, str, bool], Any]:
    labs = {}
    for result in synth_results.values():
        regions = {stack.name: stack.region for stack in stack_artifacts(result.outdir)}
        c = result.config
        labs[(c.compute, c.region, c.has_domain)] = (c.lab_name, result.templates, regions)
    return labs


@pytest.fixture(scope="module")
def all_variants(
    synth_results: dict[str, SynthResult], variant_synth: CliSynth
) -> dict[tuple[str, str, bool], tuple[str, dict[str, Any], dict[str, str]]]:
    """(mode, region, domain) -> (lab name, templates, regions) for all eight variants."""
    labs = _session_labs(synth_results)
    code, output, outdir = variant_synth.wait(timeout=600)
    assert code == 0, output[-3000:]
    for lab, (templates, regions) in read_labs(outdir).items():
        variant = next(v for v in every_variant() if variant_name(*v) == lab)
        labs[variant] = (lab, templates, regions)
    return labs


def test_every_variant_was_synthesized(all_variants: dict[tuple[str, str, bool], Any]) -> None:
    assert sorted(all_variants) == sorted(every_variant())
    for (mode, _, _), (_, templates, _) in all_variants.items():
        assert len(templates) == (6 if mode == "fargate" else 5)


@pytest.mark.parametrize("variant", every_variant(), ids=lambda v: variant_name(*v))
def test_no_two_resources_share_a_physical_name(
    all_variants: dict[tuple[str, str, bool], Any], variant: tuple[str, str, bool]
) -> None:
    lab, templates, regions = all_variants[variant]
    found = claims(templates, regions)
    assert clashes(found) == {}
    namespaces = {c.namespace for c in found}
    # the check looks where names are: topics, queues, the table, log groups, alarms, the schedule ...
    assert {"sns topic", "sqs queue", "dynamodb table", "cloudwatch alarm", "scheduler schedule"} <= namespaces
    assert all(c.name.startswith((lab, f"/aws/lambda/{lab}")) for c in found), [c.name for c in found]


def test_the_check_sees_two_topics_of_one_name_in_one_region_and_not_across_regions() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "demo-alerts"}}
    templates = {"demo-observability": {"Resources": {"A": topic}}, "demo-control": {"Resources": {"B": topic}}}

    same = clashes(claims(templates, {"demo-observability": "eu-west-1", "demo-control": "eu-west-1"}))
    apart = clashes(claims(templates, {"demo-observability": "us-east-1", "demo-control": "eu-west-1"}))

    assert same == {("sns topic", "eu-west-1", "demo-alerts"): ["demo-observability/A", "demo-control/B"]}
    assert apart == {}


def test_global_names_clash_across_regions_and_alarm_kinds_share_one_namespace() -> None:
    role = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "demo-role"}}
    alarm = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "demo-x"}}
    composite = {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {"AlarmName": "demo-x"}}
    schedule = {
        "Type": "Custom::AWS",
        "Properties": {
            "Create": {
                "Fn::Join": [
                    "",
                    [
                        '{"service":"Scheduler","action":"createSchedule","parameters":{"Name":"demo-x","Arn":"',
                        {"Ref": "Fn"},
                        '"}}',
                    ],
                ]
            }
        },
    }
    templates = {
        "demo-a": {"Resources": {"R": role, "Al": alarm, "S": schedule}},
        "demo-b": {"Resources": {"R": role, "Co": composite}},
    }

    found = claims(templates, {"demo-a": "us-east-1", "demo-b": "eu-west-1"})

    assert Claim("scheduler schedule", "us-east-1", "demo-x", "demo-a", "S") in found
    assert set(clashes(found)) == {("iam role", "global", "demo-role")}
    assert set(clashes(claims(templates, {"demo-a": "eu-west-1", "demo-b": "eu-west-1"}))) == {
        ("iam role", "global", "demo-role"),
        ("cloudwatch alarm", "eu-west-1", "demo-x"),
    }
