"""Transactional outbox on DynamoDB Local + moto SQS: a booking never depends on SQS being up.

The booking transaction writes the event; the API relays it right after the commit (best effort);
the sweeper relays what is left pending. Relaying twice is harmless (the handler is idempotent).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.adapters.clock import SystemClock
from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import BotocoreClient, open_dynamodb
from api.adapters.dynamodb.outbox import DynamoOutbox
from api.adapters.dynamodb.table import Table
from api.adapters.sqs import SqsEventPublisher, ensure_queues, open_sqs
from api.bootstrap import Services, build_services
from api.service.bookings import BookingRequest
from api.service.demo_catalog import catalog
from api.service.outbox import OutboxService
from api.settings import Settings
from api.workers.messages import parse_booking_event

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Lab:
    ddb: Any
    sqs: Any
    table: str
    urls: dict[str, str]
    settings: Settings


@pytest.fixture
async def lab(dynamodb_local: str, moto_server: str, fresh_table: str) -> AsyncIterator[Lab]:
    async with AsyncExitStack() as stack:
        ddb = await open_dynamodb(stack, region="us-east-1", endpoint_url=dynamodb_local)
        sqs = await open_sqs(stack, region="us-east-1", endpoint_url=moto_server)
        urls = await ensure_queues(sqs, REPO_ROOT / "contracts", prefix=f"obx-{uuid.uuid4().hex[:6]}-")
        settings = Settings(
            store="dynamodb",
            table_name=fresh_table,
            dynamodb_endpoint_url=dynamodb_local,
            sqs_endpoint_url=moto_server,
            booking_events_queue_url=urls["booking_events"],
            payment_slow_delay_ms=0,
        )
        yield Lab(ddb, sqs, fresh_table, urls, settings)


async def _services(lab: Lab, stack: AsyncExitStack, **overrides: Any) -> Services:
    services = await build_services(lab.settings.model_copy(update=overrides))
    stack.push_async_callback(services.aclose)
    movies, shows = catalog(datetime.now(UTC).date(), 1)
    await services.stores.catalog.put_catalog(movies, shows[:1])
    return services


TOKENS: dict[str, str] = {}


async def _book(services: Services) -> str:
    show_id = catalog(datetime.now(UTC).date(), 1)[1][0].id
    created = await services.holds.create(show_id, ["D1"])
    request = BookingRequest(created.hold.hold_id, "Ada", "ada@example.com", "tok_visa")
    placed = await services.bookings.book(f"k-{uuid.uuid4().hex}", request, hold_token=created.hold.hold_token)
    assert placed.created
    TOKENS[placed.booking.booking_id] = placed.booking.booking_token
    return placed.booking.booking_id


def _relay(lab: Lab, publisher: SqsEventPublisher) -> OutboxService:
    clock = SystemClock()
    return OutboxService(DynamoOutbox(Table(BotocoreClient(lab.ddb), lab.table), clock), publisher, clock)


async def _outbox(lab: Lab) -> list[dict[str, Any]]:
    res = await lab.ddb.scan(
        TableName=lab.table,
        FilterExpression="#t = :o",
        ExpressionAttributeNames={"#t": "type"},
        ExpressionAttributeValues={":o": I.s("outbox")},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = res["Items"]
    return items


async def _receive_all(lab: Lab) -> list[str]:
    bodies: list[str] = []
    while True:
        res = await lab.sqs.receive_message(
            QueueUrl=lab.urls["booking_events"], MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        if not res.get("Messages"):
            return bodies
        bodies += [m["Body"] for m in res["Messages"]]


async def test_the_api_relays_the_booking_event_right_after_the_commit(lab: Lab) -> None:
    async with AsyncExitStack() as stack:
        booking_id = await _book(await _services(lab, stack))
    [item] = await _outbox(lab)
    assert "GSI1PK" not in item  # off the pending index
    assert "relayed_at" in item
    [body] = await _receive_all(lab)
    assert parse_booking_event(body).booking_id == booking_id


async def test_a_booking_succeeds_while_sqs_is_down_and_the_sweeper_sends_its_event_later(lab: Lab) -> None:
    broken = lab.urls["booking_events"] + "-does-not-exist"
    async with AsyncExitStack() as stack:
        booking_id = await _book(await _services(lab, stack, booking_events_queue_url=broken))
    [item] = await _outbox(lab)
    assert item["GSI1PK"]["S"] == I.OUTBOX_PENDING  # still pending: the relay failed, the booking did not
    assert await _receive_all(lab) == []

    relay = _relay(lab, SqsEventPublisher(lab.sqs, lab.urls["booking_events"]))
    assert await relay.sweep(older_than_seconds=60) == 0  # younger than the cutoff: left to the API
    assert await relay.sweep(older_than_seconds=0) == 1
    assert await relay.sweep(older_than_seconds=0) == 0  # nothing pending any more
    [item] = await _outbox(lab)
    assert "GSI1PK" not in item
    [body] = await _receive_all(lab)
    event = json.loads(body)
    assert event["type"] == "booking_confirmed"
    assert event["payload"]["booking_id"] == booking_id
    assert event["event_id"] == item["event_id"]["S"]


async def test_an_event_relayed_twice_sends_one_confirmation(lab: Lab) -> None:
    """A crash between send and mark relays again: two messages, one notice (idempotent consumer)."""
    async with AsyncExitStack() as stack:
        services = await _services(lab, stack, booking_events_queue_url=lab.urls["booking_events"] + "-nope")
        booking_id = await _book(services)
        publisher = SqsEventPublisher(lab.sqs, lab.urls["booking_events"])
        relay = _relay(lab, publisher)
        [pending] = await DynamoOutbox(Table(BotocoreClient(lab.ddb), lab.table), SystemClock()).pending(
            timedelta(0), 10
        )
        await publisher.publish([pending])  # sent, then "crashed" before marking it relayed
        assert await relay.sweep(older_than_seconds=0) == 1  # the sweeper sends it again
        bodies = await _receive_all(lab)
        assert len(bodies) == 2
        results = [await services.notifications.send_confirmation(parse_booking_event(b).booking_id) for b in bodies]
        assert [r.sent for r in results] == [True, False]
        assert (await services.bookings.get(booking_id, TOKENS[booking_id])).notification.status == "sent"
