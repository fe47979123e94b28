"""The seat-map micro-cache: one load for concurrent readers, own writes patched in, never resurrected."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.adapters.clock import ManualClock
from api.adapters.memory import MemoryStore
from api.domain.model import Hold, SeatState, SeatStatus
from api.service.catalog import CatalogService
from api.service.demo_catalog import catalog
from api.service.seat_map_cache import SeatMapCache
from api.service.views import SeatCounts, SeatMapView
from tests.support.builders import START


async def _catalog(cache_ms: int) -> tuple[CatalogService, MemoryStore, ManualClock, str]:
    store = MemoryStore()
    movies, shows = catalog(START.date(), 1)
    await store.put_catalog(movies, shows)
    clock = ManualClock(START)
    return CatalogService(store, store, clock, cache_ms=cache_ms), store, clock, shows[0].id


def _status(view: SeatMapView, seat: str) -> str:
    return next(s.status for s in view.seats if s.id == seat)


def _hold(hold_id: str, show: str, seats: tuple[str, ...]) -> Hold:
    return Hold(hold_id, show, seats, START, START + timedelta(minutes=5))


async def test_concurrent_readers_of_a_cold_show_share_one_load() -> None:
    cat, _, _, show = await _catalog(cache_ms=500)
    views = await asyncio.gather(*(cat.seat_map(show) for _ in range(25)))
    assert cat.seat_maps.loads == 1
    assert all(v.counts.available == 120 for v in views)


async def test_even_without_caching_concurrent_readers_share_the_load_in_flight() -> None:
    async def loader(show_id: str) -> list[SeatState]:
        await asyncio.sleep(0.01)  # a network round trip
        return [SeatState("A1", SeatStatus.AVAILABLE)]

    cache = SeatMapCache(loader, ttl_s=0)
    await asyncio.gather(*(cache.entry("s1", 0.0) for _ in range(10)))
    await cache.entry("s1", 0.0)
    assert cache.loads == 2  # the ten together, then a fresh one


async def test_own_hold_and_booking_are_patched_in_without_a_reload() -> None:
    cat, store, _, show = await _catalog(cache_ms=500)
    await cat.seat_map(show)
    hold = _hold("h1", show, ("A1", "A2"))
    await store.create_hold(hold, START)
    cat.held(hold)
    view = await cat.seat_map(show)
    assert (_status(view, "A1"), view.counts) == ("held", SeatCounts(available=118, held=2, booked=0))
    cat.booked(hold, "bkg_1")
    assert (await cat.seat_map(show)).counts == SeatCounts(available=118, held=0, booked=2)
    assert cat.seat_maps.loads == 1


async def test_a_release_never_frees_a_seat_another_hold_owns_now() -> None:
    cat, _, _, show = await _catalog(cache_ms=500)
    await cat.seat_map(show)
    old, new = _hold("h-old", show, ("B1", "B2")), _hold("h-new", show, ("B2",))
    cat.held(old)
    cat.held(new)  # B2 was re-held after h-old expired
    cat.freed(old)
    view = await cat.seat_map(show)
    assert (_status(view, "B1"), _status(view, "B2")) == ("available", "held")


async def test_the_map_is_reloaded_once_it_is_older_than_the_cache_time() -> None:
    cat, store, clock, show = await _catalog(cache_ms=500)
    await cat.seat_map(show)
    await store.create_hold(_hold("other-process", show, ("C1",)), START)  # not patched: another task wrote it
    assert _status(await cat.seat_map(show), "C1") == "available"
    clock.advance(0.5)
    assert _status(await cat.seat_map(show), "C1") == "held"
    assert cat.seat_maps.loads == 2


async def test_a_write_made_during_a_slow_load_is_replayed_over_its_result() -> None:
    gate = asyncio.Event()
    before = [SeatState("D1", SeatStatus.AVAILABLE), SeatState("D2", SeatStatus.HELD, "h-x", START)]

    async def slow_loader(show_id: str) -> list[SeatState]:
        await gate.wait()
        return before  # read before the writes below landed

    cache = SeatMapCache(slow_loader, ttl_s=0.5)
    reading = asyncio.create_task(cache.entry("s1", 0.0))
    await asyncio.sleep(0)
    cache.patch("s1", [SeatState("D1", SeatStatus.HELD, "h-1", START)])
    cache.patch("s1", [SeatState("D2", SeatStatus.AVAILABLE)], only_if_hold="h-x")
    gate.set()
    seats = (await reading).seats
    assert (seats["D1"].hold_id, seats["D2"].status) == ("h-1", SeatStatus.AVAILABLE)


async def test_a_failed_load_reaches_every_waiter_and_the_next_read_tries_again() -> None:
    calls = 0

    async def flaky(show_id: str) -> list[SeatState]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionError("store down")
        return []

    cache = SeatMapCache(flaky, ttl_s=0.5)
    results = await asyncio.gather(*(cache.entry("s1", 0.0) for _ in range(3)), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 3
    assert (await cache.entry("s1", 0.0)).seats == {}
    assert calls == 2


@pytest.mark.parametrize("cache_ms", [0, 500])
async def test_holds_and_releases_through_the_services_keep_the_map_true(cache_ms: int) -> None:
    from tests.support.builders import make_world

    world = await make_world()
    world.services.catalog.seat_maps.memo.ttl_s = cache_ms / 1000
    cat, holds, show = world.services.catalog, world.services.holds, world.show_id
    await cat.seat_map(show)
    created = await holds.create(show, ["E1", "E2"])
    assert (await cat.seat_map(show)).counts.held == 2
    await holds.release(created.hold.hold_id, created.hold.hold_token)
    assert (await cat.seat_map(show)).counts.held == 0
