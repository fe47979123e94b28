"""Lab 02's DLQ item, as a scripted learner on the lab's own queue service: TODO while the DLQ holds no
message of the learner's (another message does not count), PASS once the learner's poison message was
received max_receive_count times and moved to the DLQ. (Through the lab's worker that takes three
visibility timeouts; here the learner's own receives fail it, as in tests/integration/test_dlq_commands.py.)
"""

from __future__ import annotations

import json
import uuid

import boto3

from labctl.local.state import LabState
from tests.support.labs import REPO_ROOT, load_check


def _lab(sqs_server: str, urls: dict[str, str]) -> LabState:
    return LabState(
        "t", "ready", 0, 0.0, True, 0, "http://127.0.0.1:1", "us-east-1", "t", 10, 60, 0.0, 0.0,
        endpoints={"sqs": sqs_server}, queues=urls,
    )  # fmt: skip


def test_lab02_dlq_item_is_todo_until_the_learners_poison_message_is_dead_lettered(sqs_server: str) -> None:
    sqs = boto3.client(
        "sqs", region_name="us-east-1", endpoint_url=sqs_server, aws_access_key_id="x", aws_secret_access_key="x"
    )
    lab = load_check("02-async")
    contract = json.loads((REPO_ROOT / "contracts" / "queues.json").read_text())
    spec = next(q for q in contract["queues"] if q["key"] == "booking_events")
    prefix = f"l02{uuid.uuid4().hex[:6]}-"
    dlq = sqs.create_queue(QueueName=f"{prefix}{spec['dlq']['name']}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"deadLetterTargetArn": arn, "maxReceiveCount": str(spec["dlq"]["max_receive_count"])}
    queue = sqs.create_queue(QueueName=f"{prefix}{spec['name']}", Attributes={"RedrivePolicy": json.dumps(policy)})
    state = _lab(sqs_server, {"booking_events": queue["QueueUrl"], "booking_events_dlq": dlq})

    assert lab.check_dlq(state).ok is None
    sqs.send_message(QueueUrl=dlq, MessageBody='{"type": "booking_confirmed"}')  # someone else's dead letter
    assert lab.check_dlq(state).ok is None

    sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody='{"type": "booking_confirmed", "note": "lab02-poison"}')
    for _ in range(spec["dlq"]["max_receive_count"] + 1):  # each failed receive; the last one finds it moved
        sqs.receive_message(QueueUrl=queue["QueueUrl"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    item = lab.check_dlq(state)
    assert item.ok is True, item
    assert lab.check_dlq(state).ok is True  # peeking leaves it there
    assert lab.max_receive_count() == spec["dlq"]["max_receive_count"]
