"""labctl dlq list / redrive against moto's SQS (the local lab's SQS), through the real CLI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from labctl.cli import app

runner = CliRunner()
Queues = tuple[str, dict[str, str], object]


@pytest.fixture
def lab_queues(moto_server: str) -> tuple[str, dict[str, str], object]:
    """The contract queues under a fresh name prefix, and a boto3 client."""
    prefix = f"dlq{uuid.uuid4().hex[:6]}-"
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    urls: dict[str, str] = {}
    contract = json.loads((Path(__file__).resolve().parents[2] / "contracts" / "queues.json").read_text())
    for q in contract["queues"]:
        dlq = sqs.create_queue(QueueName=f"{prefix}{q['dlq']['name']}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})
        url = sqs.create_queue(QueueName=f"{prefix}{q['name']}", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        urls[q["key"]], urls[f"{q['key']}_dlq"] = url, dlq
    return prefix, urls, sqs


def _poison(sqs: object, url: str, bodies: list[str]) -> None:
    """Receive each message 3 times without deleting: the 4th receive moves it to the DLQ (as in SQS)."""
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)  # type: ignore[attr-defined]
    for _ in range(4):
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)  # type: ignore[attr-defined]


def _depth(sqs: object, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])  # type: ignore[attr-defined]
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_dlq_list_shows_count_oldest_age_and_a_sample(moto_server: str, lab_queues: Queues) -> None:
    prefix, urls, sqs = lab_queues
    _poison(sqs, urls["hold_expiry"], ["{bad json 1", "{bad json 2", "{bad json 3"])
    result = runner.invoke(app, ["dlq", "list", "--endpoint-url", moto_server, "--prefix", prefix, "--json"])
    assert result.exit_code == 0, result.output
    by_queue = {d["queue"]: d for d in json.loads(result.output)["dlqs"]}
    hold = by_queue[f"{prefix}hold-expiry"]
    assert hold["dlq"] == f"{prefix}hold-expiry-dlq"
    assert hold["messages"] == 3
    assert hold["sample_body"].startswith("{bad json")
    assert 0 <= hold["oldest_age_seconds"] < 60
    assert hold["max_receive_count"] == 3
    assert by_queue[f"{prefix}booking-events"]["messages"] == 0
    assert by_queue[f"{prefix}booking-events"]["sample_body"] is None
    assert _depth(sqs, urls["hold_expiry_dlq"]) == 3  # listing peeks, it does not take


def test_dlq_redrive_moves_messages_back_to_the_source_queue(moto_server: str, lab_queues: Queues) -> None:
    prefix, urls, sqs = lab_queues
    _poison(sqs, urls["booking_events"], [f'{{"n": {i}' for i in range(10)])
    assert _depth(sqs, urls["booking_events_dlq"]) == 10
    args = ["dlq", "redrive", "--endpoint-url", moto_server, "--prefix", prefix, "--queue", "booking_events", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    [moved] = json.loads(result.output)["redriven"]
    assert moved == {
        "queue": f"{prefix}booking-events",
        "dlq": f"{prefix}booking-events-dlq",
        "method": "copy",
        "moved": 10,
        "task_handle": None,
    }
    assert _depth(sqs, urls["booking_events_dlq"]) == 0
    assert _depth(sqs, urls["booking_events"]) == 10


def test_dlq_list_human_output(moto_server: str, lab_queues: Queues) -> None:
    prefix, urls, sqs = lab_queues
    _poison(sqs, urls["hold_expiry"], ["poison!"])
    result = runner.invoke(app, ["dlq", "list", "--endpoint-url", moto_server, "--prefix", prefix])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # Rich wraps at the terminal width
    assert f"{prefix}hold-expiry-dlq: 1 message(s), oldest" in text
    assert f"for {prefix}hold-expiry, after 3 receives" in text
    assert "sample: poison!" in text


def test_dlq_list_local_without_a_running_lab_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    result = runner.invoke(app, ["dlq", "list", "--local", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "lab_not_running"


def test_an_unknown_queue_is_a_clear_error(moto_server: str, lab_queues: Queues) -> None:
    prefix, _, _ = lab_queues
    result = runner.invoke(
        app, ["dlq", "redrive", "--endpoint-url", moto_server, "--prefix", prefix, "--queue", "nope", "--json"]
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "queues_not_found"


def test_redrive_on_aws_starts_a_message_move_task() -> None:
    """AWS path (moto has no StartMessageMoveTask): the request is checked against the SQS model."""
    from botocore.stub import Stubber

    from labctl.dlq import ops
    from labctl.dlq.queues import QueuePair

    sqs = boto3.client("sqs", region_name="eu-west-1")
    pair = QueuePair(
        "hold_expiry",
        "demo-hold-expiry",
        "https://sqs.eu-west-1.amazonaws.com/111122223333/demo-hold-expiry",
        "arn:aws:sqs:eu-west-1:111122223333:demo-hold-expiry",
        "demo-hold-expiry-dlq",
        "https://sqs.eu-west-1.amazonaws.com/111122223333/demo-hold-expiry-dlq",
        "arn:aws:sqs:eu-west-1:111122223333:demo-hold-expiry-dlq",
        3,
    )
    with Stubber(sqs) as stub:
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "task-1"},
            {"SourceArn": pair.dlq_arn, "DestinationArn": pair.arn},
        )
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"ApproximateNumberOfMessages": "7"}},
            {"QueueUrl": pair.dlq_url, "AttributeNames": ["ApproximateNumberOfMessages"]},
        )
        result = ops.redrive(sqs, pair, prefer_move_task=True)
    assert (result.method, result.moved, result.task_handle) == ("move_task", 7, "task-1")


def test_redrive_falls_back_to_copying_where_the_move_task_is_missing(moto_server: str, lab_queues: Queues) -> None:
    from labctl.dlq import ops, queues

    prefix, urls, sqs = lab_queues
    _poison(sqs, urls["hold_expiry"], ["a", "b"])
    target = queues.Target("us-east-1", moto_server, None, prefix)
    client = queues.sqs_client(target, max_attempts=1)
    [pair] = queues.discover(client, target, "hold_expiry")
    result = ops.redrive(client, pair, prefer_move_task=True)
    assert (result.method, result.moved) == ("copy", 2)
    assert _depth(sqs, urls["hold_expiry"]) == 2
