"""SQS adapter (aiobotocore): the hold-expiry scheduler, the booking-event publisher, the queue client
the local worker polls with, the readiness probe, and CreateQueue from contracts/queues.json (source
queue + DLQ; the local lab creates its queues with it too).

Message bodies are JSON; their shapes are documented in docs/async.md and parsed in api.workers.messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC
from pathlib import Path
from typing import Any, Protocol, Required, TypedDict, cast

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from api.domain.errors import DependencyUnavailable
from api.domain.model import Hold
from api.service.ports import OutboxEvent

log = logging.getLogger("api.sqs")


class SqsApi(Protocol):
    """The calls these adapters make on an aiobotocore SQS client (what open_sqs returns); botocore's own
    request and answer dicts stay untyped inside the adapter."""

    async def send_message(self, **kwargs: Any) -> dict[str, Any]: ...
    async def send_message_batch(self, **kwargs: Any) -> dict[str, Any]: ...
    async def receive_message(self, **kwargs: Any) -> dict[str, Any]: ...
    async def delete_message_batch(self, **kwargs: Any) -> dict[str, Any]: ...
    async def get_queue_attributes(self, **kwargs: Any) -> dict[str, Any]: ...
    async def create_queue(self, **kwargs: Any) -> dict[str, Any]: ...


class MessageAttribute(TypedDict, total=False):
    DataType: Required[str]
    StringValue: str
    BinaryValue: bytes


class ReceivedMessage(TypedDict, total=False):
    """One message of a ReceiveMessage answer, as the local worker reads it."""

    MessageId: Required[str]
    ReceiptHandle: Required[str]
    Body: Required[str]
    MD5OfBody: str
    MD5OfMessageAttributes: str
    Attributes: dict[str, str]
    MessageAttributes: dict[str, MessageAttribute]


MAX_DELAY_SECONDS = 900  # the SQS limit for DelaySeconds
BATCH = 10  # the SQS limit for SendMessageBatch / DeleteMessageBatch / ReceiveMessage


async def open_sqs(
    stack: AsyncExitStack, *, region: str, endpoint_url: str | None, read_timeout: int = 25, attempts: int = 3
) -> SqsApi:
    """Create the client inside `stack`. A poller's read_timeout must exceed the long-poll wait (20 s);
    the API's is short, so a hanging SQS cannot hold a request for long."""
    config = AioConfig(
        max_pool_connections=32,
        connect_timeout=2,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
    )
    kwargs: dict[str, Any] = {"region_name": region, "config": config}
    if endpoint_url:
        kwargs |= {"endpoint_url": endpoint_url, "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return cast(SqsApi, await stack.enter_async_context(get_session().create_client("sqs", **kwargs)))


def _attr(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def hold_expiry_body(hold: Hold) -> str:
    """The hold-expiry message: enough to act without a read, and to re-schedule an early delivery."""
    return json.dumps(
        {
            "type": "hold_expiry",
            "hold_id": hold.id,
            "show_id": hold.show_id,
            "expires_at": hold.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    )


def event_body(event: OutboxEvent) -> str:
    """A booking event on the booking-events queue: the outbox item, as written in the booking transaction."""
    return json.dumps(
        {
            "event_id": event.id,
            "type": event.type,
            "payload": event.payload,
            "created_at": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    )


def hold_expiry_message(hold: Hold, delay_seconds: int) -> dict[str, Any]:
    """SendMessage / SendMessageBatch-entry fields of a hold's expiry message (delay capped at the SQS limit)."""
    return {
        "MessageBody": hold_expiry_body(hold),
        "DelaySeconds": max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
        "MessageAttributes": {"type": _attr("hold_expiry")},
    }


class SqsHoldExpiryScheduler:
    """HoldExpiryScheduler on SQS: one message per hold, delivered after the hold's TTL (DelaySeconds)."""

    def __init__(self, client: SqsApi, queue_url: str) -> None:
        self._c = client
        self._url = queue_url

    async def schedule(self, hold: Hold, delay_seconds: int) -> None:
        try:
            await self._c.send_message(QueueUrl=self._url, **hold_expiry_message(hold, delay_seconds))
        except (ClientError, BotoCoreError) as err:
            raise DependencyUnavailable(f"SQS SendMessage (hold expiry) failed: {type(err).__name__}") from err


class SqsEventPublisher:
    """Publishes outbox events to the booking-events queue, ten per SendMessageBatch."""

    def __init__(self, client: SqsApi, queue_url: str) -> None:
        self._c = client
        self._url = queue_url

    async def publish(self, events: Sequence[OutboxEvent]) -> list[str]:
        """Send events; return the ids SQS accepted. Raises DependencyUnavailable when SQS is unreachable."""
        sent: list[str] = []
        for i in range(0, len(events), BATCH):
            chunk = events[i : i + BATCH]
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": event_body(ev),
                    "MessageAttributes": {"type": _attr(ev.type), "event_id": _attr(ev.id)},
                }
                for n, ev in enumerate(chunk)
            ]
            try:
                res = await self._c.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as err:
                raise DependencyUnavailable(f"SQS SendMessageBatch failed: {type(err).__name__}") from err
            sent.extend(chunk[int(ok["Id"])].id for ok in res.get("Successful", []))
        return sent


class SqsQueueClient:
    """What a poller needs from one queue: receive (long poll), delete a batch, the queue ARN."""

    def __init__(self, client: SqsApi, queue_url: str) -> None:
        self._c = client
        self.url = queue_url

    async def _call(self, op: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await getattr(self._c, op)(QueueUrl=self.url, **kwargs)
        except (ClientError, BotoCoreError) as err:
            raise DependencyUnavailable(f"SQS {op} on {self.url} failed: {err}") from err
        return result

    async def arn(self) -> str:
        res = await self._call("get_queue_attributes", AttributeNames=["QueueArn"])
        return str(res["Attributes"]["QueueArn"])

    async def receive(self, *, max_messages: int, wait_seconds: int, visibility_timeout: int) -> list[ReceivedMessage]:
        """One ReceiveMessage with every system and message attribute (the Lambda event needs them)."""
        res = await self._call(
            "receive_message",
            MaxNumberOfMessages=max(1, min(max_messages, BATCH)),
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_timeout,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[ReceivedMessage] = res.get("Messages", [])
        return messages

    async def delete(self, receipt_handles: Sequence[str]) -> int:
        """Delete messages by receipt handle; return how many SQS confirmed."""
        deleted = 0
        for i in range(0, len(receipt_handles), BATCH):
            chunk = receipt_handles[i : i + BATCH]
            entries = [{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(chunk)]
            res = await self._call("delete_message_batch", Entries=entries)
            deleted += len(res.get("Successful", []))
            for failure in res.get("Failed", []):
                # Usually a receipt handle that expired (visibility timeout lapsed): the message comes back.
                log.warning("sqs_delete_failed queue=%s code=%s", self.url, failure.get("Code"))
        return deleted


class SqsProbe:
    """Readiness of the queues the API sends to: one GetQueueAttributes each (cheap, no message touched)."""

    def __init__(self, client: SqsApi, queue_urls: Sequence[str]) -> None:
        self._c = client
        self._urls = list(queue_urls)

    async def ping(self) -> None:
        """Raise DependencyUnavailable naming what failed (without the queue URL: /readyz shows it)."""

        async def one(url: str) -> None:
            try:
                await self._c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "error")
                raise DependencyUnavailable(f"queue {url.rsplit('/', 1)[-1]}: {code}") from err
            except BotoCoreError as err:
                raise DependencyUnavailable(f"not reachable ({type(err).__name__})") from err

        await asyncio.gather(*(one(url) for url in self._urls))


def load_queue_contract(contracts_dir: Path) -> list[dict[str, Any]]:
    """The queue entries of contracts/queues.json."""
    data: dict[str, Any] = json.loads((contracts_dir / "queues.json").read_text())
    queues: list[dict[str, Any]] = data["queues"]
    return queues


async def ensure_queues(client: SqsApi, contracts_dir: Path, *, prefix: str) -> dict[str, str]:
    """Create every contract queue and its DLQ (idempotent); return {queue key: queue URL}.

    DLQs are keyed "<key>_dlq". Names are "<prefix><name>" so several labs can share one endpoint.
    """
    urls: dict[str, str] = {}
    for q in load_queue_contract(contracts_dir):
        dlq = q["dlq"]
        dlq_url = (
            await client.create_queue(
                QueueName=f"{prefix}{dlq['name']}",
                Attributes={"MessageRetentionPeriod": str(dlq["message_retention_seconds"])},
            )
        )["QueueUrl"]
        dlq_arn = (await client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))["Attributes"][
            "QueueArn"
        ]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(dlq["max_receive_count"])}
        url = (
            await client.create_queue(
                QueueName=f"{prefix}{q['name']}",
                Attributes={
                    "VisibilityTimeout": str(q["visibility_timeout_seconds"]),
                    "MessageRetentionPeriod": str(q["message_retention_seconds"]),
                    "ReceiveMessageWaitTimeSeconds": str(q["receive_wait_time_seconds"]),
                    "RedrivePolicy": json.dumps(redrive),
                },
            )
        )["QueueUrl"]
        urls[q["key"]] = url
        urls[f"{q['key']}_dlq"] = dlq_url
    return urls
