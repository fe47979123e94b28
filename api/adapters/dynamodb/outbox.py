"""Transactional outbox relay (ADR 0011): events written in the booking transaction reach SQS.

A pending outbox item carries GSI1PK=OUTBOX#PENDING (a sparse index); relaying it sends it to SQS and
then REMOVEs GSI1PK. A crash between the two sends it twice: consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from api.adapters.dynamodb import items as I
from api.domain.errors import DependencyUnavailable
from api.service.ports import BookingCommit, Clock, OutboxEvent

log = logging.getLogger("api.outbox")

PAGE = 100  # pending items read per query; a sweep relays pages until none is left or max_events


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[OutboxEvent]) -> list[str]:
        """Send events; return the ids accepted. Raises DependencyUnavailable."""
        ...


def parse_outbox_item(it: I.Item) -> OutboxEvent:
    payload: dict[str, Any] = json.loads(it["payload"]["S"])
    return OutboxEvent(it["event_id"]["S"], it["event_type"]["S"], payload, I.from_ms(it["created_at"]["N"]))


class OutboxRelay:
    """Publishes pending outbox events and marks them relayed."""

    def __init__(self, client: Any, table: str, publisher: EventPublisher, clock: Clock) -> None:
        self._c = client
        self._t = table
        self._publisher = publisher
        self._clock = clock

    async def relay(self, events: Sequence[OutboxEvent]) -> int:
        """Publish events, then take each accepted one off the pending index; return how many were sent."""
        if not events:
            return 0
        sent = await self._publisher.publish(events)
        await asyncio.gather(*(self._mark_relayed(event_id) for event_id in sent))
        return len(sent)

    async def _mark_relayed(self, event_id: str) -> None:
        try:
            await self._c.update_item(
                TableName=self._t,
                Key=I.key(f"OUTBOX#{event_id}", "EVENT"),
                UpdateExpression="SET relayed_at = :now REMOVE GSI1PK, GSI1SK",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":now": I.n(I.ms(self._clock.now()))},
            )
        except ClientError as err:
            # Gone (TTL) is fine; anything else leaves it pending and the sweeper sends it again.
            if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                log.warning("outbox_mark_failed", extra={"event_id": event_id, "error": str(err)})
        except (BotoCoreError, DependencyUnavailable) as err:
            log.warning("outbox_mark_failed", extra={"event_id": event_id, "error": str(err)})

    async def pending(self, *, older_than_seconds: float, limit: int = PAGE) -> list[OutboxEvent]:
        """Pending events created more than older_than_seconds ago, oldest first (GSI1, eventually consistent)."""
        cutoff = I.ms(self._clock.now() - timedelta(seconds=older_than_seconds))
        try:
            res = await self._c.query(
                TableName=self._t,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :p AND GSI1SK < :cut",
                ExpressionAttributeValues={":p": I.s(I.OUTBOX_PENDING), ":cut": I.s(f"{cutoff}#")},
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as err:
            raise DependencyUnavailable(f"DynamoDB outbox query failed: {type(err).__name__}") from err
        return [parse_outbox_item(it) for it in res.get("Items", [])]

    async def sweep(self, *, older_than_seconds: float = 5.0, max_events: int = 1000) -> int:
        """Relay pending events older than older_than_seconds (the API relays fresh ones itself)."""
        total = 0
        while total < max_events:
            events = await self.pending(older_than_seconds=older_than_seconds, limit=min(PAGE, max_events - total))
            if not events:
                break
            sent = await self.relay(events)
            total += sent
            if sent < len(events):
                break  # SQS refused some: try again next sweep rather than spin
        return total


class RelayAfterCommit:
    """Store decorator: after commit_booking succeeds, relay its event at once (best effort, bounded).

    Every other attribute is the wrapped store's. A failed relay only logs: the item stays pending and
    the sweeper sends it within a few seconds, so a booking never fails because SQS is down.
    in_background (a long-running server): the booking answers without waiting for SQS; the relay runs
    as a task, and `aclose` waits for the ones still running (graceful shutdown).
    """

    def __init__(self, store: Any, relay: OutboxRelay, *, timeout_s: float = 1.0, in_background: bool = False) -> None:
        self._store = store
        self._relay = relay
        self._timeout_s = timeout_s
        self._in_background = in_background
        self._tasks: set[asyncio.Task[None]] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @property
    def wrapped(self) -> Any:
        return self._store

    async def commit_booking(self, commit: BookingCommit) -> None:
        await self._store.commit_booking(commit)
        if not self._in_background:
            await self._relay_now(commit.event)
            return
        task = asyncio.create_task(self._relay_now(commit.event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay_now(self, event: OutboxEvent) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._relay.relay([event])
        except (DependencyUnavailable, TimeoutError, ClientError, BotoCoreError) as err:
            log.warning("outbox_relay_deferred", extra={"event_id": event.id, "error": str(err) or type(err).__name__})

    async def aclose(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
