"""Seat truth on DynamoDB Local when releases collide with buyers' transactions, and the writes of the catalog seed.

Buyers grab 1-2 of four seats while the winners release at once, so releases keep writing the very
seat items the next buyers' transactions include. DynamoDB's conflict rule is applied over DynamoDB
Local (tests/support/conflicts.py) and the retry budget is tiny, so conflicts outlast the retries
often. Whatever happens, no refusal may name a seat that no live hold or booking covers: the load
checker's own invariant judges every refusal against the table afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.adapters.clock import SystemClock
from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.catalog import DynamoCatalog
from api.adapters.dynamodb.contention import RetryPolicy
from api.adapters.dynamodb.seat_locks import DynamoSeatLocks, query_seats
from api.adapters.dynamodb.table import Table
from api.adapters.dynamodb.wire import open_wire
from api.domain.errors import SeatLockContended, SeatsUnavailable
from api.domain.model import Hold, SeatStatus
from api.service.demo_catalog import catalog
from loadtests.invariants import no_refusal_by_expired_hold
from loadtests.snapshot import read_table
from tests.support.conflicts import ConflictingClient

pytestmark = pytest.mark.slow

SEATS = ["E5", "E6", "E7", "E8"]
TIGHT = RetryPolicy(attempts=2, budget_s=0.05, base_s=0.001, cap_s=0.002)


@pytest.fixture
async def setup(dynamodb_local: str, fresh_table: str) -> AsyncIterator[tuple[Table, ConflictingClient, str]]:
    async with AsyncExitStack() as stack:
        client = ConflictingClient(await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local))
        table = Table(client, fresh_table)
        movies, shows = catalog(datetime.now(UTC).date(), 1)
        await DynamoCatalog(table).put_catalog(movies, shows[:1])
        yield table, client, shows[0].id


def _ms() -> int:
    return int(time.time() * 1000)


async def _buyer(
    store: DynamoSeatLocks, show: str, n: int, seed: int, log: list[dict[str, Any]], seen: Counter[str]
) -> None:
    rng = random.Random(seed)
    for k in range(n):
        now = datetime.now(UTC)
        hold = Hold(
            f"hold_{seed}_{k}", show, tuple(rng.sample(SEATS, rng.randint(1, 2))), now, now + timedelta(minutes=5)
        )
        t0 = _ms()
        event: dict[str, Any] = {"ev": "hold", "t0": t0, "rid": hold.id, "show": show, "seats": list(hold.seat_ids)}
        try:
            await store.create_hold(hold, now)
            event["status"] = 201
            seen["held"] += 1
            for _ in range(5):  # a contended release leaves the hold active; its buyer retries, as a client would
                try:
                    await store.release_hold(hold, datetime.now(UTC))  # collides with the next buyers
                    seen["released"] += 1
                    break
                except SeatLockContended:
                    seen["release_contended"] += 1
        except SeatsUnavailable as err:
            event |= {"status": 409, "code": "seats_unavailable", "conflict": err.seat_ids}
            seen["refused"] += 1
            named = {s: err.evidence["seats"][s] for s in err.seat_ids}
            seen["named_free"] += sum(v == "available" for v in named.values())
        except SeatLockContended:
            event |= {"status": 503, "code": "seat_lock_contended"}
            seen["contended"] += 1
        event["t1"] = _ms()
        log.append(event)


async def test_colliding_releases_never_make_a_free_seat_look_taken(
    setup: tuple[Table, ConflictingClient, str], dynamodb_local: str
) -> None:
    table, client, show = setup
    store = DynamoSeatLocks(table, SystemClock(), retry=TIGHT)
    log: list[dict[str, Any]] = []
    seen: Counter[str] = Counter()
    await asyncio.gather(*(_buyer(store, show, 12, seed, log, seen) for seed in range(12)))
    # Both sides of the rule were met, and conflicts outlasted the retries (the path under test ran) on a
    # hold's creation or on its release: which of the two is up to the scheduler.
    assert client.conflicts["transaction"] > 0, client.conflicts
    assert seen["contended"] + seen["release_contended"] > 0, seen
    assert seen["held"] > 0
    assert seen["refused"] > 0
    snap = read_table(table.name, endpoint_url=dynamodb_local)
    verdict = no_refusal_by_expired_hold(snap, log, skew_ms=0)
    assert verdict.checked >= seen["refused"]
    assert verdict.violations == [], (verdict.violations[:5], seen)
    assert seen["named_free"] == 0  # what DynamoDB returned for every named seat says taken
    # A release either finished (hold released after its seats) or left the hold active with its seats.
    for h in snap.holds:
        owned = [s for s in h.seat_ids if snap.seats[(show, s)].hold_id == h.id]
        assert h.status != "released" or not owned, (h, owned)


async def test_the_seed_stores_seats_before_their_show_and_never_resets_a_taken_seat(
    setup: tuple[Table, ConflictingClient, str],
) -> None:
    table, _, show = setup
    now = datetime.now(UTC)
    await DynamoSeatLocks(table, SystemClock()).create_hold(
        Hold("hold_x", show, ("A1",), now, now + timedelta(minutes=5)), now
    )
    # A seed's seat write that lands late (a resent request) must not turn the held seat back to available.
    seed = DynamoCatalog(table)
    await seed.create_seats([I.seat_item(show, "A1"), I.seat_item(show, "A2")])
    movies, shows = catalog(now.date(), 1)
    assert await seed.put_catalog(movies, shows[:1]) == 1 + len(movies)  # nothing missing: show and movies only
    seats = {s.seat_id: s for s in await query_seats(table, show, consistent=True)}
    assert (seats["A1"].status, seats["A1"].hold_id) == (SeatStatus.HELD, "hold_x")
    assert len(seats) == shows[0].seats_total


async def test_a_show_is_listed_only_once_all_its_seats_are_stored(dynamodb_local: str, fresh_table: str) -> None:
    order: list[str] = []

    class Recording(ConflictingClient):
        async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
            if action == "TransactWriteItems":
                order.extend("seat" for _ in payload["TransactItems"])
            if action == "BatchWriteItem":
                [(_, puts)] = payload["RequestItems"].items()
                order.extend(p["PutRequest"]["Item"]["type"]["S"] for p in puts)
            return await super().call(action, payload)

    async with AsyncExitStack() as stack:
        client = Recording(await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local))
        movies, shows = catalog(datetime.now(UTC).date(), 1)
        await DynamoCatalog(Table(client, fresh_table)).put_catalog(movies, shows[:3])
    assert order.count("seat") == 3 * shows[0].seats_total
    assert order.index("show") > max(i for i, kind in enumerate(order) if kind == "seat")
    assert order.index("movie") > max(i for i, kind in enumerate(order) if kind == "show")
