"""The DynamoDB adapter against DynamoDB Local, with explicit times (no sleeping)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest

from api.adapters.clock import SystemClock
from api.adapters.dynamodb.client import BotocoreClient, DynamoClient, open_dynamodb
from api.adapters.dynamodb.wire import open_wire
from api.bootstrap import Stores, dynamo_stores
from api.domain.errors import SeatsUnavailable
from api.domain.model import Hold, HoldStatus, SeatStatus
from api.service.demo_catalog import catalog
from api.service.ports import IdempotencyInProgress, IdempotencyMismatch, IdempotencyStarted

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["aiodynamo", "botocore"])
async def store(request: pytest.FixtureRequest, dynamodb_local: str, fresh_table: str) -> AsyncIterator[Stores]:
    """The same store code on both clients: the request path's (aiodynamo) and aiobotocore."""
    async with AsyncExitStack() as stack:
        client: DynamoClient
        if request.param == "aiodynamo":
            client = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        else:
            client = BotocoreClient(await open_dynamodb(stack, region="us-east-1", endpoint_url=dynamodb_local))
        s = dynamo_stores(client, fresh_table, SystemClock())
        movies, shows = catalog(T0.date(), 2)
        await s.catalog.put_catalog(movies, shows[:2])
        yield s


def _hold(hold_id: str, show_id: str, seats: list[str], at: datetime, ttl: int = 60) -> Hold:
    return Hold(hold_id, show_id, tuple(seats), at, at + timedelta(seconds=ttl))


async def _show_id(store: Stores) -> str:
    shows = await store.catalog.list_shows(catalog(T0.date(), 1)[1][0].movie_id, T0.date())
    return shows[0].id


async def test_an_expired_hold_can_be_replaced_at_once(store: Stores) -> None:
    show = await _show_id(store)
    await store.seats.create_hold(_hold("h1", show, ["A1", "A2"], T0, ttl=5), T0)
    with pytest.raises(SeatsUnavailable) as exc:
        await store.seats.create_hold(
            _hold("h2", show, ["A2", "A3"], T0 + timedelta(seconds=4)), T0 + timedelta(seconds=4)
        )
    assert exc.value.seat_ids == ["A2"]
    later = T0 + timedelta(seconds=5)
    await store.seats.create_hold(_hold("h3", show, ["A2", "A3"], later), later)
    seats = {s.seat_id: s for s in await store.seats.get_seats(show)}
    assert seats["A2"].hold_id == "h3"
    assert seats["A1"].effective_status(later) is SeatStatus.AVAILABLE


async def test_expiry_release_leaves_seats_re_held_by_others_alone(store: Stores) -> None:
    show = await _show_id(store)
    first = _hold("h1", show, ["B1", "B2"], T0, ttl=5)
    await store.seats.create_hold(first, T0)
    later = T0 + timedelta(seconds=6)
    await store.seats.create_hold(_hold("h2", show, ["B2"], later), later)
    assert await store.seats.release_hold(first, T0 + timedelta(seconds=1), only_if_expired=True) is False
    assert await store.seats.release_hold(first, later, only_if_expired=True) is True
    assert await store.seats.release_hold(first, later, only_if_expired=True) is False
    seats = {s.seat_id: s for s in await store.seats.get_seats(show)}
    assert seats["B1"].status is SeatStatus.AVAILABLE
    assert (seats["B2"].status, seats["B2"].hold_id) == (SeatStatus.HELD, "h2")
    stored = await store.seats.get_hold("h1")
    assert stored is not None
    assert stored.stored_status is HoldStatus.RELEASED


async def test_reseeding_keeps_existing_seat_state(store: Stores) -> None:
    show = await _show_id(store)
    await store.seats.create_hold(_hold("h1", show, ["C1"], T0), T0)
    movies, shows = catalog(T0.date(), 2)
    await store.catalog.put_catalog(movies, shows[:2])
    seats = {s.seat_id: s for s in await store.seats.get_seats(show)}
    assert seats["C1"].status is SeatStatus.HELD
    assert len(seats) == 120


async def test_shows_are_listed_per_movie_and_day(store: Stores) -> None:
    movies, shows = catalog(T0.date(), 2)
    await store.catalog.put_catalog(movies, shows)
    movie = shows[0].movie_id
    all_days = await store.catalog.list_shows(movie, None)
    first_day = await store.catalog.list_shows(movie, T0.date())
    assert len(all_days) == len([s for s in shows if s.movie_id == movie])
    assert first_day
    assert all(s.starts_at.date() == T0.date() for s in first_day)
    assert [s.starts_at for s in all_days] == sorted(s.starts_at for s in all_days)


async def test_idempotency_claims_are_exclusive_until_their_lock_runs_out(store: Stores) -> None:
    first = await store.bookings.begin_idempotent("k", "hash-a", T0, lock_seconds=60)
    assert isinstance(first, IdempotencyStarted)
    assert isinstance(await store.bookings.begin_idempotent("k", "hash-a", T0, 60), IdempotencyInProgress)
    assert isinstance(await store.bookings.begin_idempotent("k", "hash-b", T0, 60), IdempotencyMismatch)
    # the first request crashed: after its lock, a retry with the same body may take over
    takeover = await store.bookings.begin_idempotent("k", "hash-a", T0 + timedelta(seconds=61), 60)
    assert isinstance(takeover, IdempotencyStarted)
    assert takeover.owner != first.owner
    await store.bookings.abandon_idempotent("k", first.owner)  # a stale owner cannot drop the new claim
    assert isinstance(
        await store.bookings.begin_idempotent("k", "hash-a", T0 + timedelta(seconds=62), 60), IdempotencyInProgress
    )
