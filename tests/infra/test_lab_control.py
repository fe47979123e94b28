"""The LabControl stack in both synthesized labs (session fixtures of tests/infra/conftest.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.config import stack_dependencies, stack_names, stack_regions
from tests.infra.tpl import actions, flat, only, props, resources, statements

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
    regions, depends_on = stack_regions(config), stack_dependencies(config)
    expected = [
        {"name": n, "region": regions[n], "depends_on": depends_on[n]}
        for n in stack_names(config)
        if not n.endswith("-control")
    ]
    assert json.loads(env["STACKS"]) == expected
    assert env["CONTROL_STACK_NAME"] == config.stack_name("control")
    assert env["DEADLINE_MINUTES"] == "120"
    assert props(fn)["Timeout"] == 900
    assert props(fn)["Handler"] == "reaper.handler.handler"


@pytest.mark.parametrize("mode", MODES)
def test_reaper_iam_names_each_stack_and_uses_star_only_for_read_only_calls(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    config = infra_configs[mode]
    stmts = statements(control(templates, infra_configs, mode), "ReaperRole")
    for stmt in stmts:
        acts = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        assert not any(a.endswith(":*") or a == "*" for a in acts)
        if stmt["Resource"] == "*":
            assert acts == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "tag:GetResources"]
    revoke = next(s for s in stmts if "ec2:RevokeSecurityGroupIngress" in s["Action"])
    assert revoke["Condition"] == {"StringEquals": {"aws:ResourceTag/lab:name": config.lab_name}}
    delete = next(s for s in stmts if "cloudformation:DeleteStack" in s["Action"])
    arns = [flat(r) for r in delete["Resource"]]
    regions = stack_regions(config)
    assert len(arns) == len(stack_names(config))
    for name, arn in zip(stack_names(config), arns, strict=True):
        assert f":cloudformation:{regions[name]}:" in arn
        assert f":stack/{name}/*" in arn


def text(value: Any) -> str:
    """A CloudFormation string with its Refs as <Name>: `{"Fn::Join": ["", ["a-", {"Ref": "X"}]]}` -> `a-<X>`."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    sep, parts = value["Fn::Join"]
    return str(sep).join(text(p) for p in parts)


def test_the_reaper_may_empty_exactly_the_labs_own_buckets_and_no_other(
    templates: dict[str, Any], infra_configs: dict[str, Any]
) -> None:
    for mode in MODES:
        lab = infra_configs[mode].lab_name
        named = [
            text(props(bucket)["BucketName"])
            for template in templates[mode].values()
            for bucket in resources(template, "AWS::S3::Bucket").values()
        ]
        reaper = statements(control(templates, infra_configs, mode), "ReaperRole")
        s3 = [s for s in reaper if "s3:" in flat(s["Action"])]
        granted = {text(r) for s in s3 for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}
        # An exact name per bucket: lab "demo" never reaches the buckets of lab "demo-2" (no "<lab>-*").
        assert named == [f"{lab}-web-<AWS::AccountId>-us-east-1"]
        arns = {f"arn:<AWS::Partition>:s3:::{bucket}" for bucket in named}
        assert granted == arns | {f"{arn}/*" for arn in arns}
        assert actions(s3) == {"s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"}


@pytest.mark.parametrize("mode", MODES)
def test_failed_invocations_of_the_reaper_and_its_schedule_land_in_an_alarmed_queue(
    templates: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    template = control(templates, infra_configs, mode)
    queue_id = next(iter(resources(template, "AWS::SQS::Queue")))
    invoke = props(only(template, "AWS::Lambda::EventInvokeConfig"))
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert f'\\"DeadLetterConfig\\":{{\\"Arn\\":\\"", {{"Fn::GetAtt": ["{queue_id}", "Arn"]}}' in create_call(template)
    alarm = next(
        a
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if flat(props(a)["Dimensions"]).count(queue_id)
    )
    assert props(alarm)["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (props(alarm)["Threshold"], props(alarm)["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    topic_id = next(iter(resources(template, "AWS::SNS::Topic")))
    assert props(alarm)["AlarmActions"] == [{"Ref": topic_id}]
    scheduler = statements(template, "SchedulerRole")
    assert any(
        "sqs:SendMessage" in s["Action"] and s["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]} for s in scheduler
    )


@pytest.mark.parametrize("mode", MODES)
def test_the_stack_graph_the_reaper_follows_is_the_one_cdk_deploys(
    synth_results: dict[str, Any], infra_configs: dict[str, Any], mode: str
) -> None:
    config = infra_configs[mode]
    manifest = json.loads((synth_results[mode].outdir / "manifest.json").read_text())
    names = set(stack_names(config))
    deployed = {
        name: sorted(d for d in artifact.get("dependencies", []) if d in names)
        for name, artifact in manifest["artifacts"].items()
        if name in names
    }
    assert deployed == {name: sorted(deps) for name, deps in stack_dependencies(config).items()}


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
    wanted = {"ExpiresAt", "ScheduleName", "TopicArn", "ReaperFunctionName", "ManagedStacks", "FailureQueueUrl"}
    assert wanted | {"OutcomeParameter"} <= set(outputs)
    assert outputs["OutcomeParameter"]["Value"] == f"/labctl/{infra_configs[mode].lab_name}/reaper-outcome"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", outputs["ExpiresAt"]["Value"])


def test_control_stack_has_no_unacknowledged_nag_findings(synth_results: dict[str, Any]) -> None:
    for mode in MODES:
        result = synth_results[mode]
        mine = [v for v in result.violations if f"/{result.config.stack_name('control')}/" in f"/{v[2]}"]
        assert mine == [], mine
