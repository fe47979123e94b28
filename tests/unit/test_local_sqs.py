"""The local queue service's SQS semantics, on a manual clock (milliseconds): delay, visibility, redrive,
batches, counts, retention, move tasks. The HTTP side and real clients: tests/integration/test_local_sqs_server.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
import pytest

from labctl.local.sqs.actions import SqsService
from labctl.local.sqs.model import SqsError, md5_of_attributes
from labctl.local.sqs.server import Reply, SqsApp

BASE = "http://127.0.0.1:9324"


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sqs(clock: Clock) -> SqsService:
    return SqsService(clock=clock)


def make_pair(sqs: SqsService, receives: int = 3, visibility: int = 30) -> tuple[str, str]:
    """A queue with a DLQ after `receives` receives; (queue URL, DLQ URL)."""
    dlq = sqs.create_queue({"QueueName": "work-dlq"}, BASE)["QueueUrl"]
    arn = sqs.get_queue_attributes({"QueueUrl": dlq, "AttributeNames": ["QueueArn"]})["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": str(receives)})
    attrs = {"VisibilityTimeout": str(visibility), "RedrivePolicy": policy}
    url = sqs.create_queue({"QueueName": "work", "Attributes": attrs}, BASE)["QueueUrl"]
    return url, dlq


def receive(sqs: SqsService, url: str, n: int = 10, **extra: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message({"QueueUrl": url, "MaxNumberOfMessages": n, **extra}).get(
        "Messages", []
    )
    return messages


def counts(sqs: SqsService, url: str) -> tuple[int, int, int]:
    a = sqs.get_queue_attributes({"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
    names = (
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )
    return tuple(int(a[n]) for n in names)  # type: ignore[return-value]


def test_a_delayed_message_is_invisible_until_its_delay_ends(sqs: SqsService, clock: Clock) -> None:
    url, _ = make_pair(sqs)
    sqs.send_message({"QueueUrl": url, "MessageBody": "later", "DelaySeconds": 900})
    clock.advance(899.9)
    assert receive(sqs, url) == []
    clock.advance(0.1)
    assert [m["Body"] for m in receive(sqs, url)] == ["later"]


def test_a_received_message_comes_back_after_its_visibility_timeout(sqs: SqsService, clock: Clock) -> None:
    url, _ = make_pair(sqs, visibility=30)
    sqs.send_message({"QueueUrl": url, "MessageBody": "m"})
    first = receive(sqs, url, MessageSystemAttributeNames=["All"])
    assert first[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    clock.advance(29.9)
    assert receive(sqs, url) == []
    clock.advance(0.1)
    again = receive(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert again[0]["MessageId"] == first[0]["MessageId"]
    assert again[0]["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert again[0]["ReceiptHandle"] != first[0]["ReceiptHandle"]


def test_the_receive_after_max_receive_count_moves_the_message_to_the_dlq(sqs: SqsService, clock: Clock) -> None:
    url, dlq = make_pair(sqs, receives=3)
    sqs.send_message({"QueueUrl": url, "MessageBody": "poison"})
    for _ in range(3):
        assert len(receive(sqs, url, VisibilityTimeout=0)) == 1
    assert receive(sqs, url, VisibilityTimeout=0) == []  # the 4th receive moved it
    assert counts(sqs, url) == (0, 0, 0)
    assert [m["Body"] for m in receive(sqs, dlq)] == ["poison"]


def test_one_receive_never_returns_a_message_twice(sqs: SqsService) -> None:
    url, _ = make_pair(sqs, receives=10)
    sqs.send_message({"QueueUrl": url, "MessageBody": "only"})
    assert len(receive(sqs, url, n=10, VisibilityTimeout=0)) == 1


def test_a_deleted_message_never_comes_back_and_deleting_again_is_harmless(sqs: SqsService, clock: Clock) -> None:
    url, _ = make_pair(sqs)
    sqs.send_message({"QueueUrl": url, "MessageBody": "m"})
    handle = receive(sqs, url)[0]["ReceiptHandle"]
    sqs.delete_message({"QueueUrl": url, "ReceiptHandle": handle})
    sqs.delete_message({"QueueUrl": url, "ReceiptHandle": handle})
    clock.advance(3600)
    assert receive(sqs, url) == []


def test_a_forged_receipt_handle_is_refused(sqs: SqsService) -> None:
    url, _ = make_pair(sqs)
    sqs.send_message({"QueueUrl": url, "MessageBody": "m"})
    mid = receive(sqs, url)[0]["MessageId"]
    with pytest.raises(SqsError) as err:
        sqs.delete_message({"QueueUrl": url, "ReceiptHandle": f"{mid}#forged"})
    assert err.value.type == "ReceiptHandleIsInvalid"
    failed = sqs.delete_message_batch({"QueueUrl": url, "Entries": [{"Id": "a", "ReceiptHandle": "garbage"}]})
    assert failed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


def test_a_batch_reports_a_bad_entry_and_sends_the_rest(sqs: SqsService) -> None:
    url, _ = make_pair(sqs)
    entries = [{"Id": "ok1", "MessageBody": "a"}, {"Id": "late", "MessageBody": "b", "DelaySeconds": 901}]
    res = sqs.send_message_batch({"QueueUrl": url, "Entries": [*entries, {"Id": "ok2", "MessageBody": "c"}]})
    assert [s["Id"] for s in res["Successful"]] == ["ok1", "ok2"]
    assert res["Failed"] == [
        {"Id": "late", "SenderFault": True, "Code": "InvalidParameterValue", "Message": res["Failed"][0]["Message"]}
    ]
    assert sorted(m["Body"] for m in receive(sqs, url)) == ["a", "c"]


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([{"Id": str(i), "MessageBody": "x"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}], "BatchEntryIdsNotDistinct"),
        ([], "EmptyBatchRequest"),
        ([{"Id": "no spaces", "MessageBody": "x"}], "InvalidBatchEntryId"),
    ],
)
def test_malformed_batches_are_refused_whole(sqs: SqsService, entries: list[dict[str, Any]], code: str) -> None:
    url, _ = make_pair(sqs)
    with pytest.raises(SqsError) as err:
        sqs.send_message_batch({"QueueUrl": url, "Entries": entries})
    assert err.value.type == code
    assert counts(sqs, url) == (0, 0, 0)


def test_queue_attributes_count_visible_in_flight_and_delayed(sqs: SqsService) -> None:
    url, _ = make_pair(sqs)
    for body, delay in (("now-1", 0), ("now-2", 0), ("now-3", 0), ("later", 60)):
        sqs.send_message({"QueueUrl": url, "MessageBody": body, "DelaySeconds": delay})
    receive(sqs, url, n=1)
    assert counts(sqs, url) == (2, 1, 1)


def test_messages_older_than_the_retention_period_are_dropped(sqs: SqsService, clock: Clock) -> None:
    url = sqs.create_queue({"QueueName": "short", "Attributes": {"MessageRetentionPeriod": "60"}}, BASE)["QueueUrl"]
    sqs.send_message({"QueueUrl": url, "MessageBody": "old"})
    clock.advance(61)
    assert receive(sqs, url) == []
    assert counts(sqs, url) == (0, 0, 0)


def test_a_move_task_returns_dead_letters_to_their_source_queue(sqs: SqsService) -> None:
    url, dlq = make_pair(sqs, receives=1)
    sqs.send_message({"QueueUrl": url, "MessageBody": "again"})
    receive(sqs, url, VisibilityTimeout=0)
    receive(sqs, url, VisibilityTimeout=0)
    dlq_arn = sqs.get_queue_attributes({"QueueUrl": dlq, "AttributeNames": ["QueueArn"]})["Attributes"]["QueueArn"]
    assert sqs.start_message_move_task({"SourceArn": dlq_arn})["TaskHandle"]
    assert counts(sqs, dlq) == (0, 0, 0)
    assert [
        (m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in receive(sqs, url, AttributeNames=["All"])
    ] == [("again", "1")]


def test_creating_a_queue_again_returns_it_and_other_attributes_are_refused(sqs: SqsService) -> None:
    url, _ = make_pair(sqs)
    assert sqs.create_queue({"QueueName": "work", "Attributes": {"VisibilityTimeout": "30"}}, BASE)["QueueUrl"] == url
    with pytest.raises(SqsError) as err:
        sqs.create_queue({"QueueName": "work", "Attributes": {"VisibilityTimeout": "31"}}, BASE)
    assert (err.value.type, err.value.query_code) == ("QueueNameExists", "QueueAlreadyExists")
    with pytest.raises(SqsError) as err:
        sqs.create_queue({"QueueName": "q.fifo", "Attributes": {"FifoQueue": "true"}}, BASE)
    assert err.value.type in ("InvalidParameterValue", "InvalidAttributeName")


def test_an_unknown_queue_is_the_error_aws_sends(sqs: SqsService) -> None:
    with pytest.raises(SqsError) as err:
        sqs.send_message({"QueueUrl": f"{BASE}/123456789012/nope", "MessageBody": "x"})
    assert (err.value.type, err.value.query_code) == ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")


def test_message_attributes_come_back_as_asked_with_the_md5_sqs_computes(sqs: SqsService) -> None:
    from moto.sqs.models import Message as MotoMessage

    url, _ = make_pair(sqs)
    attrs = {
        "type": {"DataType": "String", "StringValue": "hold_expiry"},
        "n": {"DataType": "Number", "StringValue": "7"},
    }
    sent = sqs.send_message({"QueueUrl": url, "MessageBody": "m", "MessageAttributes": attrs})
    reference = MotoMessage("id", "m")
    reference.message_attributes = attrs
    assert sent["MD5OfMessageAttributes"] == reference.attribute_md5 == md5_of_attributes(attrs)
    got = receive(sqs, url, MessageAttributeNames=["type"])[0]
    assert got["MessageAttributes"] == {"type": attrs["type"]}
    assert got["MD5OfBody"] == reference.body_md5


def test_a_long_poll_answers_as_soon_as_a_message_is_sent() -> None:
    app = SqsApp(SqsService())
    url = app.service.create_queue({"QueueName": "q"}, BASE)["QueueUrl"]

    async def scenario() -> tuple[Reply, float]:
        loop = asyncio.get_running_loop()
        poll = app.handle(
            b"POST",
            b"/",
            {b"x-amz-target": b"AmazonSQS.ReceiveMessage"},
            orjson.dumps({"QueueUrl": url, "WaitTimeSeconds": 5}),
        )
        assert not isinstance(poll, Reply)  # nothing yet: it waits
        t0 = loop.time()
        task = asyncio.ensure_future(poll)
        await asyncio.sleep(0.05)
        app.handle(
            b"POST",
            b"/",
            {b"x-amz-target": b"AmazonSQS.SendMessage"},
            orjson.dumps({"QueueUrl": url, "MessageBody": "hi"}),
        )
        reply = await asyncio.wait_for(task, 2)
        return reply, loop.time() - t0

    reply, waited = asyncio.run(scenario())
    assert reply.status == 200
    assert [m["Body"] for m in orjson.loads(reply.body)["Messages"]] == ["hi"]
    assert waited < 1.0
