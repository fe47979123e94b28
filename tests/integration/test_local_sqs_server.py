"""The local queue service over real HTTP, driven by the clients the lab uses: boto3 (labctl, the dlq
commands), aiobotocore (the API's scheduler and publisher, the worker's poller) and the lab's provisioning."""

from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from api.adapters.sqs import SqsEventPublisher, SqsQueueClient, ensure_queues, open_sqs
from api.service.ports import OutboxEvent
from labctl.cli import app
from labctl.local import provision

REPO_ROOT = Path(__file__).resolve().parents[2]


def client(endpoint: str) -> Any:
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")


def test_the_lab_creates_its_contract_queues_with_their_settings(sqs_server: str) -> None:
    urls = provision.create_queues(sqs_server)
    contract = {q["key"]: q for q in json.loads((REPO_ROOT / "contracts" / "queues.json").read_text())["queues"]}
    assert set(urls) == {k for key in contract for k in (key, f"{key}_dlq")}
    sqs = client(sqs_server)
    for key, spec in contract.items():
        attrs = sqs.get_queue_attributes(QueueUrl=urls[key], AttributeNames=["All"])["Attributes"]
        assert attrs["VisibilityTimeout"] == str(spec["visibility_timeout_seconds"])
        assert attrs["ReceiveMessageWaitTimeSeconds"] == str(spec["receive_wait_time_seconds"])
        redrive = json.loads(attrs["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == spec["dlq"]["max_receive_count"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=urls[f"{key}_dlq"], AttributeNames=["QueueArn"])
        assert redrive["deadLetterTargetArn"] == dlq_arn["Attributes"]["QueueArn"]
    assert provision.create_queues(sqs_server) == urls  # idempotent: a second run finds the same queues


def test_boto3_errors_carry_the_codes_aws_sends(sqs_server: str) -> None:
    sqs = client(sqs_server)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as err:
        sqs.get_queue_url(QueueName=f"missing-{uuid.uuid4().hex[:6]}")
    assert err.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    url = sqs.create_queue(QueueName=f"err-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    with pytest.raises(ClientError) as bad:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_a_long_poll_returns_when_a_message_is_sent_and_when_a_delay_ends(sqs_server: str) -> None:
    sqs = client(sqs_server)
    url = sqs.create_queue(QueueName=f"lp-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    threading.Timer(0.3, lambda: client(sqs_server).send_message(QueueUrl=url, MessageBody="now")).start()
    t0 = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    assert [m["Body"] for m in got] == ["now"]
    assert time.monotonic() - t0 < 5
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    t0 = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    assert [m["Body"] for m in got] == ["later"]
    assert 0.8 <= time.monotonic() - t0 < 5


async def test_the_api_and_worker_adapters_work_against_it(sqs_server: str) -> None:
    async with AsyncExitStack() as stack:
        sqs = await open_sqs(stack, region="us-east-1", endpoint_url=sqs_server)
        urls = await ensure_queues(sqs, REPO_ROOT / "contracts", prefix=f"adp-{uuid.uuid4().hex[:6]}-")
        now = datetime.now(UTC)
        events = [OutboxEvent(f"ev-{i}", "booking_confirmed", {"booking_id": f"b{i}"}, now) for i in range(12)]
        assert sorted(await SqsEventPublisher(sqs, urls["booking_events"]).publish(events)) == sorted(
            e.id for e in events
        )
        queue = SqsQueueClient(sqs, urls["booking_events"])
        assert (await queue.arn()).endswith(":" + urls["booking_events"].rsplit("/", 1)[-1])
        seen: list[dict[str, Any]] = []
        deadline = now + timedelta(seconds=20)
        while len(seen) < 12 and datetime.now(UTC) < deadline:
            batch = await queue.receive(max_messages=10, wait_seconds=1, visibility_timeout=30)
            assert await queue.delete([m["ReceiptHandle"] for m in batch]) == len(batch)
            seen += batch
        assert sorted(json.loads(m["Body"])["event_id"] for m in seen) == sorted(e.id for e in events)
        assert {m["MessageAttributes"]["type"]["StringValue"] for m in seen} == {"booking_confirmed"}
        assert all(int(m["Attributes"]["ApproximateReceiveCount"]) == 1 for m in seen)


def test_labctl_dlq_lists_and_redrives_on_it(sqs_server: str) -> None:
    prefix = f"dlq{uuid.uuid4().hex[:6]}-"
    sqs = client(sqs_server)
    dlq = sqs.create_queue(QueueName=f"{prefix}booking-events-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})
    url = sqs.create_queue(QueueName=f"{prefix}booking-events", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{bad json")
    for _ in range(4):  # three receives without a delete; the fourth moves it
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    runner = CliRunner()
    listed = runner.invoke(app, ["dlq", "list", "--endpoint-url", sqs_server, "--prefix", prefix, "--json"])
    assert listed.exit_code == 0, listed.output
    [report] = json.loads(listed.output)["dlqs"]
    assert (report["messages"], report["sample_body"]) == (1, "{bad json")
    moved = runner.invoke(app, ["dlq", "redrive", "--endpoint-url", sqs_server, "--prefix", prefix, "--json"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output)["redriven"][0]["moved"] == 1
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["{bad json"]


def test_start_message_move_task_moves_a_dlq_back(sqs_server: str) -> None:
    sqs = client(sqs_server)
    name = f"mv-{uuid.uuid4().hex[:6]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "1"})
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    assert sqs.start_message_move_task(SourceArn=arn)["TaskHandle"]
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert sorted(bodies) == ["m0", "m1", "m2"]
