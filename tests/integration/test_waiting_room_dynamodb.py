"""The waiting room's counters on DynamoDB Local: one atomic ticket counter shared by several tasks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from api.adapters.clock import ManualClock
from api.adapters.dynamodb.admission import DynamoRoomStore
from api.adapters.dynamodb.table import Table
from api.adapters.dynamodb.wire import open_wire
from api.domain.errors import WaitInLine
from api.service.admission import RoomPolicy, RoomState, WaitingRoom


@pytest.fixture
async def store(dynamodb_local: str, fresh_table: str) -> AsyncIterator[DynamoRoomStore]:
    async with AsyncExitStack() as stack:
        client = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        yield DynamoRoomStore(Table(client, fresh_table))


async def test_concurrent_arrivals_get_distinct_consecutive_tickets(store: DynamoRoomStore) -> None:
    taken = await asyncio.gather(*(store.take_ticket(1000) for _ in range(20)))
    assert sorted(s.issued for s in taken) == list(range(1, 21))
    assert await store.state() == RoomState(issued=20, serving=0, at_ms=1000)


async def test_serving_moves_only_from_the_value_the_writer_read(store: DynamoRoomStore) -> None:
    seen = await store.take_ticket(1000)
    await store.take_ticket(1000)
    assert await store.advance(seen, 1, 2000)
    assert not await store.advance(seen, 2, 3000)  # serving is 1 now, not what `seen` said
    assert await store.state() == RoomState(issued=2, serving=1, at_ms=2000)


async def test_two_tasks_on_one_table_share_one_line_in_order(store: DynamoRoomStore) -> None:
    clock = ManualClock()
    policy = RoomPolicy(enabled=True, max_in_flight=0, admit_per_s=2.0, state_cache_ms=0)
    tasks = [WaitingRoom(store, clock, policy, signing_key="k") for _ in range(2)]
    places = []
    for i in range(4):
        with pytest.raises(WaitInLine) as exc:
            async with tasks[i % 2].admit(None):
                pass
        places.append(exc.value.details)
    assert [p["position"] for p in places] == [1, 2, 3, 4]
    clock.advance(1.0)
    async with tasks[1].admit(places[1]["ticket"]):  # ticket 2 of task 0's line, let in by task 1
        pass
    with pytest.raises(WaitInLine) as exc:
        async with tasks[0].admit(places[2]["ticket"]):
            pass
    assert exc.value.details["position"] == 1
    assert (await store.state()).serving == 2
