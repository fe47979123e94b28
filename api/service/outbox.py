"""The transactional outbox's relay (ADR 0011): events committed with their state change reach the queue.

Right after a booking commits, `publish` relays its event (best effort, bounded): inline on Lambda,
as a background task on a long-running server (the booking answers without waiting for SQS, and
`aclose` waits for the tasks still running). `sweep` relays whatever is still pending a few seconds
later (an SQS outage, a crash between commit and send): the scheduled sweeper and the local worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from api.domain.errors import DependencyUnavailable
from api.service.ports import Clock, EventQueue, OutboxEvent, OutboxStore

log = logging.getLogger("api.outbox")

PAGE = 100  # pending events read per query; a sweep relays pages until none is left or max_events


class OutboxService:
    """Relays outbox events to the queue; the EventPublisher of the booking service."""

    def __init__(
        self,
        store: OutboxStore,
        queue: EventQueue,
        clock: Clock,
        *,
        timeout_s: float = 1.0,
        in_background: bool = False,
    ) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock
        self._timeout_s = timeout_s
        self._in_background = in_background
        self._tasks: set[asyncio.Task[None]] = set()

    async def relay(self, events: Sequence[OutboxEvent]) -> int:
        """Send events, then take each accepted one off the pending list; return how many were sent."""
        if not events:
            return 0
        sent = await self._queue.publish(events)
        now = self._clock.now()
        await asyncio.gather(*(self._store.mark_relayed(event_id, now) for event_id in sent))
        return len(sent)

    async def sweep(self, *, older_than_seconds: float = 5.0, max_events: int = 1000) -> int:
        """Relay pending events older than older_than_seconds (younger ones are the API's own, in flight)."""
        total = 0
        while total < max_events:
            limit = min(PAGE, max_events - total)
            events = await self._store.pending(timedelta(seconds=older_than_seconds), limit)
            if not events:
                break
            sent = await self.relay(events)
            total += sent
            if sent < len(events):
                break  # the queue refused some: try again next sweep rather than spin
        return total

    async def publish(self, event: OutboxEvent) -> None:
        """After a commit: relay the event now (bounded); a failure only logs, the sweep sends it."""
        if not self._in_background:
            await self._relay_now(event)
            return
        task = asyncio.create_task(self._relay_now(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay_now(self, event: OutboxEvent) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.relay([event])
        except (DependencyUnavailable, TimeoutError) as err:
            log.warning("outbox_relay_deferred", extra={"event_id": event.id, "error": str(err) or type(err).__name__})

    async def aclose(self) -> None:
        """Wait for the relays still running (graceful shutdown)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)


class NoQueue:
    """The EventPublisher when no queue is configured: events stay in the outbox (memory mode drains it)."""

    async def publish(self, event: OutboxEvent) -> None:
        return None
