"""The deploy summary's blue/green line from the compute stack's CloudFormation events (the last operation only)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from labctl.cicd import bluegreen, summary
from labctl.cli import app
from tests.unit.test_cicd_smoke_and_summary import SMOKE_OK, STATUS, UP
from tests.unit.test_workflows import _load

STACK = "demo-compute"
CIRCUIT_BREAKER = "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."


def _event(at: str, status: str, resource: str = STACK, reason: str = "", kind: str = "") -> dict[str, Any]:
    types = {STACK: bluegreen.STACK, "ApiService": bluegreen.SERVICE}
    event = {
        "StackName": STACK,
        "LogicalResourceId": resource,
        "ResourceType": kind or types.get(resource, "AWS::ECS::TaskDefinition"),
        "ResourceStatus": status,
        "Timestamp": f"2026-03-01T{at}.000000+00:00",
    }
    return event | ({"ResourceStatusReason": reason} if reason else {})


def _doc(*oldest_first: dict[str, Any]) -> dict[str, Any]:
    """describe-stack-events' shape: newest first."""
    return {"StackEvents": list(reversed(oldest_first))}


EARLIER_DEPLOY = (
    _event("10:00:00", "UPDATE_IN_PROGRESS", reason="User Initiated"),
    _event("10:00:05", "UPDATE_IN_PROGRESS", "ApiService"),
    _event("10:07:05", "UPDATE_FAILED", "ApiService", CIRCUIT_BREAKER),
    _event("10:07:06", "UPDATE_ROLLBACK_IN_PROGRESS"),
    _event("10:12:00", "UPDATE_ROLLBACK_COMPLETE"),
)
NEW_IMAGE = (
    _event("11:00:00", "UPDATE_IN_PROGRESS", reason="User Initiated"),
    _event("11:00:02", "UPDATE_IN_PROGRESS", "TaskDefinition"),
    _event("11:00:03", "UPDATE_COMPLETE", "TaskDefinition"),
    _event("11:00:05", "UPDATE_IN_PROGRESS", "ApiService"),
    _event("11:06:17", "UPDATE_COMPLETE", "ApiService"),
    _event("11:06:20", "UPDATE_COMPLETE"),
)


def test_a_new_image_that_passed_the_bake_is_promoted_with_the_time_the_service_update_took() -> None:
    line = bluegreen.outcome(_doc(*EARLIER_DEPLOY, *NEW_IMAGE))
    assert (
        line == "promoted: ECS shifted traffic to the new revision and the bake passed (the service update took 6m 12s)"
    )


def test_an_ecs_rollback_names_ecs_reason_and_not_an_earlier_deploys_result() -> None:
    rolled = bluegreen.outcome(_doc(*NEW_IMAGE, *EARLIER_DEPLOY))
    assert rolled == f"rolled back: ECS returned traffic to the previous revision; ECS said: {CIRCUIT_BREAKER}"


def test_a_deploy_that_left_the_service_alone_says_no_new_revision() -> None:
    unchanged = (
        _event("12:00:00", "UPDATE_IN_PROGRESS", reason="User Initiated"),
        _event("12:00:04", "UPDATE_COMPLETE", "Dashboard", kind="AWS::CloudWatch::Dashboard"),
        _event("12:00:06", "UPDATE_COMPLETE"),
    )
    assert str(bluegreen.outcome(_doc(*NEW_IMAGE, *unchanged))).startswith("no new revision")


def test_another_failed_resource_rolls_the_stack_back_and_is_named() -> None:
    other = (
        _event("12:00:00", "UPDATE_IN_PROGRESS", reason="User Initiated"),
        _event("12:00:04", "UPDATE_FAILED", "Scaling", "Rate exceeded", kind="AWS::ApplicationAutoScaling::Policy"),
        _event("12:00:09", "UPDATE_ROLLBACK_COMPLETE"),
    )
    assert bluegreen.outcome(_doc(*other)) == (
        "rolled back: Scaling failed (Rate exceeded); the compute stack is UPDATE_ROLLBACK_COMPLETE"
    )


def test_first_deploy_and_an_unfinished_or_truncated_history() -> None:
    created = (
        _event("09:00:00", "CREATE_IN_PROGRESS", reason="User Initiated"),
        _event("09:01:00", "CREATE_IN_PROGRESS", "ApiService"),
        _event("09:04:30", "CREATE_COMPLETE", "ApiService"),
        _event("09:04:31", "CREATE_COMPLETE"),
    )
    assert bluegreen.outcome(_doc(*created)) == (
        "first deploy: one revision, nothing to shift traffic from (the service update took 3m 30s)"
    )
    assert bluegreen.outcome(_doc(*NEW_IMAGE[:4])) == "in progress: the compute stack is UPDATE_IN_PROGRESS"
    assert bluegreen.outcome(_doc(*NEW_IMAGE[1:])) is None  # its start fell out of the page
    assert bluegreen.outcome({"unexpected": 1}) is None
    assert bluegreen.outcome(None) is None


def test_the_summary_prefers_the_events_and_falls_back_to_the_stack_status() -> None:
    rolled = _doc(*NEW_IMAGE, *EARLIER_DEPLOY)
    outcome = summary.render(UP, SMOKE_OK, STATUS, events=rolled)
    assert "| Blue/green | rolled back: ECS returned traffic to the previous revision; ECS said:" in outcome.markdown
    assert "promoted" not in outcome.markdown  # the stack status alone (UPDATE_COMPLETE) would have said so
    assert "| Blue/green | promoted: traffic shifted" in summary.render(UP, SMOKE_OK, STATUS, events=None).markdown
    assert summary.blue_green({"compute": "lambda"}, STATUS, rolled).startswith("not applicable")


def test_the_summary_command_reads_the_events_file(tmp_path: Path) -> None:
    (tmp_path / "up.json").write_text(json.dumps(UP))
    (tmp_path / "events.json").write_text(json.dumps(_doc(*EARLIER_DEPLOY, *NEW_IMAGE)))
    args = ["cicd", "summary", "--up", str(tmp_path / "up.json"), "--events", str(tmp_path / "events.json")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(the service update took 6m 12s)" in result.stdout


def test_the_deploy_job_fetches_the_compute_stacks_events_for_its_summary_even_after_a_failure() -> None:
    from infra.config import LabConfig
    from infra.stacks.cicd import READ_STACK_ACTIONS

    steps = _load("deploy.yml")["jobs"]["deploy"]["steps"]
    (fetch,) = [i for i, s in enumerate(steps) if "describe-stack-events" in str(s.get("run", ""))]
    (report,) = [i for i, s in enumerate(steps) if "labctl cicd summary" in str(s.get("run", ""))]
    up = next(i for i, s in enumerate(steps) if "labctl up " in str(s.get("run", "")))
    assert up < fetch < report
    assert steps[fetch]["if"] == steps[report]["if"] == "always()"
    assert re.search(r'--stack-name "\$LAB_NAME-compute"', steps[fetch]["run"])
    assert "--output json > events.json" in steps[fetch]["run"]
    assert "--events events.json" in steps[report]["run"]
    assert LabConfig(lab_name="abc").stack_name("compute") == "abc-compute"
    assert "cloudformation:DescribeStackEvents" in READ_STACK_ACTIONS  # the deploy role may read them
