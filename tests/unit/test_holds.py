"""Seat holds on the service layer (in-memory store, manual clock: no sleeping)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from api.domain.errors import HoldNotFound, InvalidSeatSelection, SeatsUnavailable, ShowNotFound, UnknownSeats
from api.domain.model import Hold
from api.service.holds import Expiry
from api.service.views import SeatCounts
from tests.support.builders import book, booking_request, create_hold, make_world, release, view_hold


async def test_hold_locks_every_requested_seat_for_the_ttl() -> None:
    w = await make_world(hold_ttl=120)
    view = (await create_hold(w, w.show_id, ["A1", "A2"])).hold
    assert view.status == "active"
    assert view.ttl_seconds == 120
    seat_map = await w.services.catalog.seat_map(w.show_id)
    statuses = {s.id: s.status for s in seat_map.seats}
    assert statuses["A1"] == statuses["A2"] == "held"
    assert seat_map.counts == SeatCounts(available=118, held=2, booked=0)


async def test_second_hold_on_a_held_seat_is_refused_naming_only_the_conflicts() -> None:
    w = await make_world()
    await create_hold(w, w.show_id, ["B1", "B2"])
    with pytest.raises(SeatsUnavailable) as exc:
        await create_hold(w, w.show_id, ["B2", "B3", "B1"])
    assert exc.value.seat_ids == ["B2", "B1"]
    assert exc.value.details == {"seat_ids": ["B2", "B1"]}


async def test_a_seat_seen_sold_is_refused_without_a_transaction() -> None:
    w = await make_world()
    hold = (await create_hold(w, w.show_id, ["C7"])).hold
    await book(w, "k-sold", booking_request(hold.hold_id))
    await w.services.catalog.seat_map(w.show_id)  # this process's map now says C7 is booked
    calls: list[str] = []
    original = w.store.create_hold

    async def spy(h: Hold, now: datetime) -> None:
        calls.append(h.id)
        await original(h, now)

    w.store.create_hold = spy  # type: ignore[method-assign]
    with pytest.raises(SeatsUnavailable) as exc:
        await create_hold(w, w.show_id, ["C8", "C7"])
    assert exc.value.seat_ids == ["C7"]
    assert exc.value.evidence["seats"] == {"C7": f"booked by {(await w.services.holds.get(hold.hold_id)).booking_id}"}
    assert calls == []  # no transaction was sent
    await create_hold(w, w.show_id, ["C8"])  # the free seat is still free
    assert len(calls) == 1


async def test_a_refused_hold_holds_nothing() -> None:
    w = await make_world()
    await create_hold(w, w.show_id, ["C5"])
    with pytest.raises(SeatsUnavailable):
        await create_hold(w, w.show_id, ["C4", "C5", "C6"])
    counts = (await w.services.catalog.seat_map(w.show_id)).counts
    assert counts.held == 1


async def test_expired_hold_seats_can_be_held_again_at_once() -> None:
    w = await make_world(hold_ttl=60)
    await create_hold(w, w.show_id, ["D1"])
    w.clock.advance(60)
    seat_map = await w.services.catalog.seat_map(w.show_id)
    assert next(s for s in seat_map.seats if s.id == "D1").status == "available"
    second = (await create_hold(w, w.show_id, ["D1"])).hold
    assert second.status == "active"


async def test_hold_status_reads_expired_after_ttl_without_cleanup() -> None:
    w = await make_world(hold_ttl=30)
    view = (await create_hold(w, w.show_id, ["E1"])).hold
    w.clock.advance(29)
    assert (await view_hold(w, view.hold_id)).status == "active"
    w.clock.advance(1)
    assert (await view_hold(w, view.hold_id)).status == "expired"


@pytest.mark.parametrize(
    ("seats", "error"),
    [
        ([], InvalidSeatSelection),
        ([f"A{i}" for i in range(1, 12)], InvalidSeatSelection),
        (["A1", "A1"], InvalidSeatSelection),
        (["Z1"], UnknownSeats),
        (["A13"], UnknownSeats),
        (["a1"], UnknownSeats),
    ],
)
async def test_bad_selections_are_refused_with_their_own_code(seats: list[str], error: type[Exception]) -> None:
    w = await make_world()
    with pytest.raises(error):
        await create_hold(w, w.show_id, seats)


async def test_unknown_show_is_not_found() -> None:
    w = await make_world()
    with pytest.raises(ShowNotFound):
        await create_hold(w, "sh-nope", ["A1"])


async def test_release_frees_the_seats_and_is_repeatable() -> None:
    w = await make_world()
    view = (await create_hold(w, w.show_id, ["F1", "F2"])).hold
    await release(w, view.hold_id)
    await release(w, view.hold_id)
    assert (await view_hold(w, view.hold_id)).status == "released"
    assert (await w.services.catalog.seat_map(w.show_id)).counts.held == 0


async def test_unknown_hold_is_not_found() -> None:
    w = await make_world()
    with pytest.raises(HoldNotFound):
        await w.services.holds.release("hold_missing", "some-token")
    with pytest.raises(HoldNotFound):
        await w.services.holds.view("hold_missing")


async def test_each_hold_schedules_an_expiry_message_just_after_the_ttl() -> None:
    w = await make_world(hold_ttl=90)
    view = (await create_hold(w, w.show_id, ["G1"])).hold
    assert w.scheduler.scheduled == [(view.hold_id, 91)]


async def test_expiry_never_releases_a_seat_that_was_held_again_meanwhile() -> None:
    w = await make_world(hold_ttl=10)
    first = (await create_hold(w, w.show_id, ["H1"])).hold
    w.clock.advance(11)
    second = (await create_hold(w, w.show_id, ["H1"])).hold
    assert await w.services.holds.expire(first.hold_id, w.clock.now()) is Expiry.EXPIRED
    seat = next(s for s in (await w.services.catalog.seat_map(w.show_id)).seats if s.id == "H1")
    assert seat.status == "held"
    assert (await view_hold(w, second.hold_id)).status == "active"


async def test_expiry_before_the_deadline_changes_nothing() -> None:
    w = await make_world(hold_ttl=10)
    view = (await create_hold(w, w.show_id, ["J1"])).hold
    w.clock.advance(5)
    assert await w.services.holds.expire(view.hold_id, w.clock.now()) is Expiry.NOOP
    assert (await view_hold(w, view.hold_id)).status == "active"


async def test_an_early_expiry_message_asks_again_for_the_rest_of_the_time() -> None:
    w = await make_world(hold_ttl=100)
    view = (await create_hold(w, w.show_id, ["J3"])).hold
    w.clock.advance(40)
    due = w.clock.now() + timedelta(seconds=60)
    assert await w.services.holds.expire(view.hold_id, due) is Expiry.RESCHEDULED
    assert w.scheduler.scheduled[-1] == (view.hold_id, 61)
    assert (await view_hold(w, view.hold_id)).status == "active"


async def test_an_expiry_message_for_a_released_hold_does_nothing() -> None:
    w = await make_world(hold_ttl=10)
    view = (await create_hold(w, w.show_id, ["J4"])).hold
    await release(w, view.hold_id)
    w.clock.advance(11)
    assert await w.services.holds.expire(view.hold_id, w.clock.now()) is Expiry.NOOP


async def test_hold_ids_are_unguessable() -> None:
    w = await make_world()
    ids = {(await create_hold(w, w.show_id, [f"I{i}"])).hold.hold_id for i in range(1, 9)}
    assert len(ids) == 8
    assert all(len(i.split("_", 1)[1]) >= 22 for i in ids)  # 24 url-safe chars = 144 bits
