"""The reaper when deleting fails: what holds a stack, the fixes it makes, retries with backoff until
its deadline, handing over to a new invocation, and a crash recorded before Lambda's retries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.cloudformation import models as cfn_models

from infra.lambdas.reaper import handler as reaper
from infra.lambdas.reaper import passes
from infra.lambdas.reaper.clients import Aws
from infra.lambdas.reaper.model import GONE
from tests.support import strict_cfn
from tests.support.reaper_lab import (
    ACCOUNT,
    CONTROL,
    LAB,
    ORDER,
    REGION,
    SESSION,
    START,
    FakeTime,
    alerts,
    config,
    deploy,
    last_outcome,
    run,
    status,
    strict_fixture,  # noqa: F401 - the `strict` fixture
)

NETWORK, DATA, COMPUTE, EDGE, OBSERVABILITY = ORDER
HOURS = 4 * 3600_000  # an invocation budget long enough that no test hands over unless it wants to


def _interface(*, attached: bool) -> str:
    """An interface in the network stack's subnet and security group (attached to an instance or not)."""
    cfn = boto3.client("cloudformation", region_name=REGION)
    ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=NETWORK)["StackResources"]
    }
    ec2 = boto3.client("ec2", region_name=REGION)
    eni = ec2.create_network_interface(SubnetId=ids["Subnet"], Groups=[ids["ServiceSg"]], Description="left behind")
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    if attached:
        ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[{"NetworkInterfaceId": eni_id, "DeviceIndex": 0}],
        )
    return eni_id


def test_an_unattached_interface_in_a_security_group_is_deleted_and_the_stack_retried(
    strict: strict_cfn.StrictCfn,
) -> None:
    deploy(network=True)
    eni = _interface(attached=False)

    result = run(config(), FakeTime(budget_ms=HOURS))

    assert result["status"] == "deleted"
    assert strict.failed == [NETWORK]  # once: the group still had the interface
    assert result["attempts"] == {NETWORK: 1}
    recorded = last_outcome()
    assert recorded is not None
    assert any(f"deleted unattached network interface {eni}" in fix for fix in recorded["fixes"])


def test_an_interface_in_use_is_named_as_the_blocker_when_the_deadline_passes(strict: strict_cfn.StrictCfn) -> None:
    deploy(network=True)
    eni = _interface(attached=True)

    result = run(config(deadline=timedelta(minutes=10)), FakeTime(budget_ms=HOURS))

    assert result["status"] == "failed"
    (failure,) = result["failures"]
    assert (failure["stack"], failure["logical_id"], failure["type"]) == (
        NETWORK,
        "ServiceSg",
        "AWS::EC2::SecurityGroup",
    )
    assert failure["reason"].endswith("has a dependent object")
    assert (
        f"network interface {eni} in {failure['physical_id']} is in use (left behind; attached by" in failure["blocker"]
    )
    assert status(DATA) == GONE  # independent of the stuck network stack: deleted all the same
    assert status(CONTROL) == "CREATE_COMPLETE"  # the timer, topic and budget stay while something bills


def test_a_resource_that_never_deletes_is_retried_with_doubling_backoff_until_the_deadline(
    strict: strict_cfn.StrictCfn,
) -> None:
    lab = deploy()
    strict.stuck["Guard"] = "Resource handler returned message: Access Denied"
    clock = FakeTime(budget_ms=HOURS)
    strict.clock = clock.seconds

    result = run(config(lab["topic_arn"], deadline=timedelta(minutes=30)), clock)

    # passes every 20 s; data may go at 40 s (after compute) and fails; it is fixed and retried at the
    # next pass, then after 30 s, 60 s, 120 s ... (doubling, capped at 10 min): with nothing else in
    # progress the reaper sleeps until the next retry is due, and wakes for its deadline (30 min)
    tries = [t for stack, t in strict.attempts if stack == DATA]
    assert tries == [40, 60, 90, 150, 270, 510, 990, 1590]
    assert clock.seconds() == 1800
    assert result["status"] == "failed"
    assert result["attempts"] == {DATA: 7}
    assert status(NETWORK) == GONE  # it does not depend on data: never held back
    recorded = last_outcome()
    assert recorded is not None
    assert recorded["status"] == "failed"
    assert recorded["stacks"] == {DATA: "DELETE_FAILED"}
    assert recorded["failures"][0]["reason"] == "Resource handler returned message: Access Denied"
    first, final = alerts(lab["inbox"])
    assert (first["event"], first["stack"], first["attempt"]) == ("delete_failed", DATA, 1)
    assert (final["event"], final["failures"][0]["logical_id"]) == ("failed", "Guard")


class _Invocations:
    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def invoke(self, **kw: Any) -> None:
        assert kw["InvocationType"] == "Event"
        self.payloads.append(json.loads(kw["Payload"]))


def _set_status(name: str, value: str) -> None:
    backend = cfn_models.cloudformation_backends[ACCOUNT][REGION]
    next(s for s in backend.stacks.values() if s.name == name).status = value


def test_when_time_runs_short_it_records_running_and_hands_its_state_to_a_new_invocation(
    strict: strict_cfn.StrictCfn, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy()
    _set_status(EDGE, "CREATE_IN_PROGRESS")  # a deploy still running: wait for it
    invocations = _Invocations()
    monkeypatch.setattr(Aws, "lambda_", lambda self: invocations)
    clock = FakeTime(budget_ms=200_000)

    result = run(config(), clock)

    # 200 s, 20 s polls, 90 s kept in reserve: it polls until less than reserve + one poll is left
    assert result["status"] == "continuing"
    assert len(clock.sleeps) == (200_000 - 110_000) // 20_000 + 1
    (payload,) = invocations.payloads
    assert (payload["invocation"], payload["started_at"]) == (2, "2026-11-25T12:00:00Z")
    recorded = last_outcome()
    assert recorded is not None
    assert (recorded["status"], recorded["stacks"][EDGE]) == ("running", "CREATE_IN_PROGRESS")
    assert status(OBSERVABILITY) == GONE


def test_a_stack_still_deploying_at_the_deadline_is_reported_with_its_status(strict: strict_cfn.StrictCfn) -> None:
    deploy()
    _set_status(EDGE, "CREATE_IN_PROGRESS")
    started = (START - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")

    result = run(config(), FakeTime(), event={"invocation": 9, "started_at": started})

    assert result["status"] == "failed"
    recorded = last_outcome()
    assert recorded is not None
    assert recorded["waiting"][EDGE] == "CREATE_IN_PROGRESS"
    assert recorded["waiting"][COMPUTE].startswith(f"waits for {EDGE}")


class _Context:
    function_name = f"{LAB}-reaper"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def _environment(monkeypatch: pytest.MonkeyPatch, topic_arn: str) -> None:
    cfg = config()
    stacks = [{"name": s.name, "region": s.region, "depends_on": list(s.depends_on)} for s in cfg.stacks]
    for key, value in {
        "LAB_NAME": LAB,
        "STACKS": json.dumps(stacks),
        "CONTROL_STACK_NAME": CONTROL,
        "TOPIC_ARN": topic_arn,
        "BUCKETS": json.dumps(list(cfg.buckets)),
        "POLL_SECONDS": "0",
    }.items():
        monkeypatch.setenv(key, value)


def test_the_lambda_entry_point_reads_its_environment(
    strict: strict_cfn.StrictCfn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, deploy()["topic_arn"])
    aws = Aws
    monkeypatch.setattr(reaper, "Aws", lambda region: aws(region, session=SESSION))

    result = reaper.handler({"reason": "expired"}, _Context())

    assert result["status"] == "deleted"
    assert strict.deleted == [EDGE, OBSERVABILITY, COMPUTE, NETWORK, DATA, CONTROL]


def test_a_crash_is_recorded_then_raised_for_lambdas_retries_and_failure_queue(
    strict: strict_cfn.StrictCfn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, deploy()["topic_arn"])

    def denied(cfn: Any, name: str) -> str:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "DescribeStacks")

    monkeypatch.setattr(passes, "stack_status", denied)
    monkeypatch.setattr(reaper, "stack_status", denied)

    with pytest.raises(ClientError):
        reaper.handler({"reason": "expired"}, _Context())

    recorded = last_outcome()
    assert recorded is not None
    assert recorded["status"] == "error"
    assert "AccessDenied" in recorded["error"]
