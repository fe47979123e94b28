"""Compute stack in both modes: the SQS workers, and the lambda mode's HTTP API (no VPC, no ALB)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constructs.permissions import (
    API_TABLE_ACTIONS,
    BOOKING_EVENTS_TABLE_ACTIONS,
    HOLD_EXPIRY_TABLE_ACTIONS,
    OUTBOX_SWEEPER_TABLE_ACTIONS,
)
from tests.infra.conftest import MODES, SynthResult
from tests.infra.tpl import actions, flat, only, props, resources, statements

CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}


def _functions(result: SynthResult) -> dict[str, dict[str, Any]]:
    """Lambda functions of the compute stack by handler (the image CMD)."""
    found = {}
    for fn in resources(result.stack("compute"), "AWS::Lambda::Function").values():
        config = props(fn).get("ImageConfig")
        if config:
            (handler,) = config["Command"]
            found[handler] = props(fn)
    return found


@pytest.mark.parametrize("mode", MODES)
def test_workers_run_the_image_on_arm64_with_batch_item_failures(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    result = synth_results[mode]
    functions = _functions(result)
    for handler in ("api.workers.hold_expiry.handler", "api.workers.booking_events.handler"):
        fn = functions[handler]
        assert fn["PackageType"] == "Image"
        assert fn["Architectures"] == ["arm64"]
        assert fn["ImageConfig"]["EntryPoint"] == ["python", "-m", "awslambdaric"]
        assert fn["Timeout"] == 30
        assert "CONFIRMATION_SIGNING_KEY" not in fn["Environment"]["Variables"]
    mappings = resources(result.stack("compute"), "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 2
    for mapping in mappings.values():
        assert props(mapping)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("mode", MODES)
def test_each_worker_has_its_own_least_privilege_role(synth_results: dict[str, SynthResult], mode: str) -> None:
    compute = synth_results[mode].stack("compute")
    hold = statements(compute, "HoldExpiryWorkerRole")
    events = statements(compute, "BookingEventsWorkerRole")
    assert actions(hold) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        *CONSUME,
        *HOLD_EXPIRY_TABLE_ACTIONS,
        "sqs:SendMessage",  # re-schedules a message that arrived before its hold expired
    }
    assert actions(events) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        *CONSUME,
        *BOOKING_EVENTS_TABLE_ACTIONS,
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    assert "HoldExpiryQueue" in flat(hold)
    assert "BookingEventsQueue" not in flat(hold)
    assert "BookingEventsQueue" in flat(events)
    assert "HoldExpiryQueue" not in flat(events)
    for stmt in hold + events:
        assert stmt["Resource"] != "*"
    sends = [stmt for stmt in hold + events if "sqs:SendMessage" in flat(stmt["Action"])]
    assert len(sends) == 1
    assert "HoldExpiryQueue" in flat(sends[0]["Resource"])
    assert "BookingEventsQueue" not in flat(sends[0]["Resource"])
    assert sends[0] in hold


def test_lambda_mode_serves_the_api_through_an_http_api_with_logs_and_throttle(
    synth_results: dict[str, SynthResult],
) -> None:
    result = synth_results["lambda"]
    compute = result.stack("compute")
    api = props(only(compute, "AWS::ApiGatewayV2::Api"))
    assert (api["ProtocolType"], api["Name"]) == ("HTTP", "ltest-api")
    stage = props(only(compute, "AWS::ApiGatewayV2::Stage"))
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
    assert "$context.requestId" in stage["AccessLogSettings"]["Format"]
    integration = props(only(compute, "AWS::ApiGatewayV2::Integration"))
    assert integration["IntegrationType"] == "AWS_PROXY"
    fn = _functions(result)["api.http.lambda_handler.handler"]
    assert fn["Architectures"] == ["arm64"]
    assert fn["Timeout"] == 29
    assert fn["MemorySize"] == 1024
    env = fn["Environment"]["Variables"]
    assert "CONFIRMATION_SIGNING_KEY" not in env
    assert env["CONFIRMATION_SIGNING_KEY_SECRET_ARN"] == {"Ref": "ConfirmationSigningKey403D0AC9"}
    stmts = statements(compute, "ApiRole")
    assert set(API_TABLE_ACTIONS) <= actions(stmts)
    assert "sqs:SendMessage" in actions(stmts)
    assert "sqs:ReceiveMessage" not in actions(stmts)
    for kind in ("AWS::EC2::VPC", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ECS::Service"):
        assert resources(compute, kind) == {}


@pytest.mark.parametrize("mode", MODES)
def test_the_outbox_sweeper_runs_every_minute_with_its_own_narrow_role(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    result = synth_results[mode]
    compute = result.stack("compute")
    fn = _functions(result)["api.workers.outbox_sweeper.handler"]
    assert fn["Timeout"] == 50
    assert fn["Timeout"] < 60
    rule = props(only(compute, "AWS::Events::Rule"))
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 0}
    stmts = statements(compute, "OutboxSweeperRole")
    assert actions(stmts) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        *OUTBOX_SWEEPER_TABLE_ACTIONS,
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert "BookingEventsQueue" in flat(stmts)
    assert "HoldExpiryQueue" not in flat(stmts)
