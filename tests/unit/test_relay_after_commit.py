"""Relay after commit: inline (Lambda) waits for SQS; in the background (a server) the booking does not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from api.adapters.dynamodb.outbox import RelayAfterCommit
from api.service.ports import OutboxEvent


class Commit:
    event = OutboxEvent("evt_1", "booking_confirmed", {"booking_id": "bkg_1"}, datetime(2030, 1, 1, tzinfo=UTC))


class Store:
    def __init__(self) -> None:
        self.committed = 0

    async def commit_booking(self, commit: Any) -> None:
        self.committed += 1


class SlowRelay:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.relayed: list[str] = []

    async def relay(self, events: list[OutboxEvent]) -> int:
        await asyncio.sleep(self.delay_s)
        self.relayed += [e.id for e in events]
        return len(events)


async def test_in_the_background_the_booking_returns_before_sqs_answers_and_close_waits_for_it() -> None:
    relay = SlowRelay(0.2)
    store = RelayAfterCommit(Store(), relay, timeout_s=1.0, in_background=True)  # type: ignore[arg-type]
    started = asyncio.get_running_loop().time()
    await store.commit_booking(Commit())  # type: ignore[arg-type]
    assert asyncio.get_running_loop().time() - started < 0.1
    assert relay.relayed == []
    await store.aclose()
    assert relay.relayed == ["evt_1"]


async def test_inline_the_booking_waits_for_the_relay_but_never_longer_than_the_timeout() -> None:
    fast, stuck = SlowRelay(0.01), SlowRelay(5.0)
    await RelayAfterCommit(Store(), fast, timeout_s=1.0).commit_booking(Commit())  # type: ignore[arg-type]
    assert fast.relayed == ["evt_1"]
    started = asyncio.get_running_loop().time()
    await RelayAfterCommit(Store(), stuck, timeout_s=0.1).commit_booking(Commit())  # type: ignore[arg-type]
    assert asyncio.get_running_loop().time() - started < 0.5
    assert stuck.relayed == []  # deferred to the sweeper
