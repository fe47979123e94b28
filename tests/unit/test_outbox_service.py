"""The outbox relay: inline (Lambda) waits for SQS; in the background (a server) the booking does not;
the sweep relays what is still pending, page by page."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from api.adapters.clock import ManualClock
from api.service.outbox import OutboxService
from api.service.ports import OutboxEvent

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _event(n: int = 1) -> OutboxEvent:
    return OutboxEvent(f"evt_{n}", "booking_confirmed", {"booking_id": f"bkg_{n}"}, T0)


class Outbox:
    """An OutboxStore in a list."""

    def __init__(self, pending: list[OutboxEvent] | None = None) -> None:
        self.pending_events = pending or []
        self.relayed: list[str] = []

    async def pending(self, older_than: timedelta, limit: int) -> list[OutboxEvent]:
        return [e for e in self.pending_events if e.id not in self.relayed][:limit]

    async def mark_relayed(self, event_id: str, at: datetime) -> None:
        self.relayed.append(event_id)


class Queue:
    """An EventQueue that takes delay_s per send and accepts at most `accept` events per call."""

    def __init__(self, delay_s: float = 0.0, accept: int = 1000) -> None:
        self.delay_s = delay_s
        self.accept = accept
        self.sent: list[str] = []

    async def publish(self, events: Sequence[OutboxEvent]) -> list[str]:
        await asyncio.sleep(self.delay_s)
        ids = [e.id for e in events][: self.accept]
        self.sent += ids
        return ids


async def test_in_the_background_the_booking_returns_before_sqs_answers_and_close_waits_for_it() -> None:
    store, queue = Outbox(), Queue(0.2)
    service = OutboxService(store, queue, ManualClock(T0), timeout_s=1.0, in_background=True)
    started = asyncio.get_running_loop().time()
    await service.publish(_event())
    assert asyncio.get_running_loop().time() - started < 0.1
    assert queue.sent == []
    await service.aclose()
    assert (queue.sent, store.relayed) == (["evt_1"], ["evt_1"])


async def test_inline_the_booking_waits_for_the_relay_but_never_longer_than_the_timeout() -> None:
    fast, stuck = Queue(0.01), Queue(5.0)
    await OutboxService(Outbox(), fast, ManualClock(T0), timeout_s=1.0).publish(_event())
    assert fast.sent == ["evt_1"]
    started = asyncio.get_running_loop().time()
    store = Outbox()
    await OutboxService(store, stuck, ManualClock(T0), timeout_s=0.1).publish(_event())
    assert asyncio.get_running_loop().time() - started < 0.5
    assert store.relayed == []  # left pending for the sweep


async def test_the_sweep_relays_every_page_and_stops_when_the_queue_refuses_some() -> None:
    events = [_event(n) for n in range(250)]
    store = Outbox(events)
    assert await OutboxService(store, Queue(), ManualClock(T0)).sweep(max_events=1000) == 250
    assert len(store.relayed) == 250
    partial = Outbox(events)
    assert await OutboxService(partial, Queue(accept=40), ManualClock(T0)).sweep() == 40
