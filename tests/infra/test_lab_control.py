"""The LabControl stack in both synthesized labs (session fixtures of tests/infra/conftest.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.config import stack_names, stack_regions
from tests.infra.tpl import flat, only, props, resources, statements

MODES = ("fargate", "lambda")


def control(templates: dict[str, dict[str, dict[str, Any]]], configs: dict[str, Any], mode: str) -> dict[str, Any]:
    return templates[mode][configs[mode].stack_name("control")]


def create_call(template: dict[str, Any]) -> str:
    """The Scheduler call of the expiry custom resource, as one string (tokens kept as JSON)."""
    return flat(props(only(template, "Custom::AWS"))["Create"])


@pytest.mark.parametrize("mode", MODES)
def test_expiry_is_a_one_time_schedule_that_deletes_itself_after_firing(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    call = create_call(control(templates, infra_configs, mode))
    assert "createSchedule" in call
    assert '\\"ActionAfterCompletion\\":\\"DELETE\\"' in call
    assert '\\"FlexibleTimeWindow\\":{\\"Mode\\":\\"OFF\\"}' in call
    assert re.search(r'\\"ScheduleExpression\\":\\"at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)\\"', call)
    assert f'\\"Name\\":\\"{infra_configs[mode].lab_name}-expiry\\"' in call
    delete = flat(props(only(control(templates, infra_configs, mode), "Custom::AWS"))["Delete"])
    assert "deleteSchedule" in delete
    assert "ResourceNotFoundException" in delete


@pytest.mark.parametrize("mode", MODES)
def test_the_reaper_knows_every_other_stack_in_deploy_order_with_its_region(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    config = infra_configs[mode]
    fn = next(
        f
        for f in resources(control(templates, infra_configs, mode), "AWS::Lambda::Function").values()
        if props(f).get("FunctionName") == f"{config.lab_name}-reaper"
    )
    env = props(fn)["Environment"]["Variables"]
    regions = stack_regions(config)
    expected = [{"name": n, "region": regions[n]} for n in stack_names(config) if not n.endswith("-control")]
    assert json.loads(env["STACKS"]) == expected
    assert env["CONTROL_STACK_NAME"] == config.stack_name("control")
    assert props(fn)["Timeout"] == 900
    assert props(fn)["Handler"] == "handler.handler"


@pytest.mark.parametrize("mode", MODES)
def test_reaper_iam_names_each_stack_and_uses_star_only_for_tag_get_resources(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    config = infra_configs[mode]
    stmts = statements(control(templates, infra_configs, mode), "ReaperRole")
    for stmt in stmts:
        acts = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        assert not any(a.endswith(":*") or a == "*" for a in acts)
        if stmt["Resource"] == "*":
            assert acts == ["tag:GetResources"]
    delete = next(s for s in stmts if "cloudformation:DeleteStack" in s["Action"])
    arns = [flat(r) for r in delete["Resource"]]
    regions = stack_regions(config)
    assert len(arns) == len(stack_names(config))
    for name, arn in zip(stack_names(config), arns, strict=True):
        assert f":cloudformation:{regions[name]}:" in arn
        assert f":stack/{name}/*" in arn


def test_bucket_names_fall_under_the_reapers_bucket_prefix(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    for mode in MODES:
        lab = infra_configs[mode].lab_name
        for stack, template in templates[mode].items():
            for bucket in resources(template, "AWS::S3::Bucket").values():
                # CloudFormation names an unnamed bucket <stack name>-<logical id>-<suffix>, lowercased
                name = props(bucket).get("BucketName", stack)
                assert flat(name).strip('"').startswith(f"{lab}-"), (stack, name)


@pytest.mark.parametrize("mode", MODES)
def test_budget_alerts_go_to_the_lab_topic_which_budgets_may_publish_to(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    template = control(templates, infra_configs, mode)
    budget = props(only(template, "AWS::Budgets::Budget"))
    assert budget["Budget"]["TimeUnit"] == "MONTHLY"
    assert budget["Budget"]["BudgetType"] == "COST"
    thresholds = sorted(
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
        for n in budget["NotificationsWithSubscribers"]
    )
    assert thresholds == [("ACTUAL", 50), ("ACTUAL", 100), ("FORECASTED", 100)]
    topic_id = next(iter(resources(template, "AWS::SNS::Topic")))
    for notification in budget["NotificationsWithSubscribers"]:
        assert {"SubscriptionType": "SNS", "Address": {"Ref": topic_id}} in notification["Subscribers"]
    policy = flat(props(only(template, "AWS::SNS::TopicPolicy")))
    assert "budgets.amazonaws.com" in policy
    assert "aws:SourceAccount" in policy


@pytest.mark.parametrize("mode", MODES)
def test_control_stack_outputs_what_labctl_reads(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    outputs = control(templates, infra_configs, mode)["Outputs"]
    assert {"ExpiresAt", "ScheduleName", "TopicArn", "ReaperFunctionName", "ManagedStacks"} <= set(outputs)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", outputs["ExpiresAt"]["Value"])


def test_control_stack_has_no_unacknowledged_nag_findings(synth_results: dict[str, Any]) -> None:
    for mode in MODES:
        result = synth_results[mode]
        mine = [v for v in result.violations if f"/{result.config.stack_name('control')}/" in f"/{v[2]}"]
        assert mine == [], mine
