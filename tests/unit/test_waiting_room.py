"""The waiting room on a manual clock: who goes straight in, who queues, in what order, and when."""

from __future__ import annotations

import pytest

from api.adapters.admission_memory import MemoryRoomStore
from api.adapters.clock import ManualClock
from api.domain.errors import WaitingRoomFull, WaitInLine
from api.service.admission import RoomPolicy, RoomState, WaitingRoom


class Timer:
    """A monotonic clock the tests move (the room measures hold latency with it)."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _room(**policy: object) -> tuple[WaitingRoom, MemoryRoomStore, ManualClock, Timer]:
    store, clock, timer = MemoryRoomStore(), ManualClock(), Timer()
    settings = {"enabled": True, "max_in_flight": 2, "budget_ms": 100, "admit_per_s": 10.0, "state_cache_ms": 0}
    room = WaitingRoom(store, clock, RoomPolicy(**(settings | policy)), signing_key="k", timer=timer)  # type: ignore[arg-type]
    return room, store, clock, timer


async def _queued(room: WaitingRoom, ticket: str | None = None) -> WaitInLine:
    with pytest.raises(WaitInLine) as exc:
        async with room.admit(ticket):
            pass
    return exc.value


async def test_with_room_to_spare_a_hold_goes_straight_in_and_writes_nothing() -> None:
    room, store, _, _ = _room()
    for _ in range(5):
        async with room.admit(None):
            pass
    assert store.writes == 0
    assert store.stored == RoomState()


async def test_a_disabled_room_never_queues_even_when_saturated() -> None:
    room, store, _, _ = _room(enabled=False, max_in_flight=0)
    async with room.admit(None):
        pass
    assert store.writes == 0


async def test_when_holds_in_flight_reach_the_limit_the_next_arrival_gets_a_ticket() -> None:
    room, store, _, _ = _room()
    async with room.admit(None), room.admit(None):
        queued = await _queued(room)
    assert queued.code == "waiting_room_queued"
    assert queued.details["position"] == 1
    assert queued.details["eta_s"] == 0.1
    assert queued.details["retry_after_ms"] == 250  # never told to come back sooner than 250 ms
    assert queued.retry_after_s == 1
    assert store.stored.issued == 1


async def test_slow_recent_holds_queue_arrivals_until_the_latency_is_stale() -> None:
    room, _, _, timer = _room(max_in_flight=100)
    room.observe(2000.0)  # one very slow hold: the EWMA is now 400 ms, past the 100 ms budget
    assert room.saturated()
    await _queued(room)
    timer.t += 2.5  # no hold has finished for 2.5 s: an old latency says nothing about now
    assert not room.saturated()


async def test_tickets_are_served_first_in_first_out_at_the_admit_rate() -> None:
    room, _, clock, _ = _room(max_in_flight=0, admit_per_s=2.0)  # everyone queues; 2 let in a second
    tickets = [(await _queued(room)).details for _ in range(4)]
    assert [t["position"] for t in tickets] == [1, 2, 3, 4]
    assert [t["eta_s"] for t in tickets] == [0.5, 1.0, 1.5, 2.0]
    clock.advance(1.0)  # two places have moved
    async with room.admit(tickets[0]["ticket"]):
        pass
    async with room.admit(tickets[1]["ticket"]):
        pass
    still = await _queued(room, tickets[3]["ticket"])
    assert still.details["position"] == 2
    assert still.details["ticket"] == tickets[3]["ticket"]  # the same place, not a new one
    clock.advance(1.0)
    async with room.admit(tickets[3]["ticket"]):
        pass


async def test_a_newcomer_joins_the_back_of_an_existing_line_even_with_room_to_spare() -> None:
    room, _, _, _ = _room()
    async with room.admit(None), room.admit(None):
        first = await _queued(room)
    second = await _queued(room)  # nothing in flight now, but someone is already waiting
    assert (first.details["position"], second.details["position"]) == (1, 2)


async def test_a_forged_or_expired_ticket_is_a_new_place_at_the_back() -> None:
    room, store, clock, _ = _room(max_in_flight=0, ticket_ttl_s=60)
    real = (await _queued(room)).details["ticket"]
    number, issued, _sig = real.split(".")
    forged = await _queued(room, f"{number}.{issued}.{'0' * 20}")
    assert forged.details["position"] == 2
    clock.advance(61)
    late = await _queued(room, real)
    assert late.details["ticket"] != real
    assert store.stored.issued == 3


async def test_a_full_line_refuses_at_once_without_a_ticket() -> None:
    room, store, _, _ = _room(max_in_flight=0, max_line=2, admit_per_s=0.001)
    await _queued(room)
    await _queued(room)
    with pytest.raises(WaitingRoomFull) as exc:
        async with room.admit(None):
            pass
    assert exc.value.code == "waiting_room_full"
    assert exc.value.retry_after_s == 30
    assert store.stored.issued == 2


async def test_after_a_quiet_spell_the_line_jumps_at_most_one_second_of_admissions() -> None:
    room, store, clock, _ = _room(max_in_flight=0, admit_per_s=5.0)
    tickets = [(await _queued(room)).details["ticket"] for _ in range(20)]
    clock.advance(300)  # five quiet minutes (tickets stay good for ten)
    async with room.admit(tickets[4]):  # ticket 5: within the first second's five
        pass
    assert store.stored.serving == 5
    await _queued(room, tickets[5])


async def test_serving_never_passes_the_tickets_issued() -> None:
    room, store, clock, _ = _room(max_in_flight=0, admit_per_s=100.0)
    ticket = (await _queued(room)).details["ticket"]
    clock.advance(0.5)
    async with room.admit(ticket):
        pass
    assert store.stored.serving == store.stored.issued == 1


async def test_a_task_that_loses_the_race_to_advance_takes_the_other_tasks_figure() -> None:
    store, clock = MemoryRoomStore(), ManualClock()
    policy = RoomPolicy(enabled=True, max_in_flight=0, admit_per_s=1.0, state_cache_ms=0)
    a = WaitingRoom(store, clock, policy, signing_key="k")
    b = WaitingRoom(store, clock, policy, signing_key="k")
    tickets = [(await _queued(a)).details["ticket"] for _ in range(3)]
    clock.advance(1.0)
    async with b.admit(tickets[0]):  # task b moves serving to 1
        pass
    async with a.admit(tickets[0]):  # task a, on a ticket from a, sees the same figure
        pass
    assert store.stored.serving == 1
    assert (await _queued(a, tickets[1])).details["position"] == 1


async def test_the_line_stops_moving_while_admitted_holds_are_slow_and_resumes_after() -> None:
    room, store, clock, timer = _room(max_in_flight=0, admit_per_s=10.0)
    tickets = [(await _queued(room)).details["ticket"] for _ in range(3)]
    room.observe(2000.0)  # admitted holds are slow now: nobody more is let in
    clock.advance(1.0)
    assert (await _queued(room, tickets[0])).details["position"] == 1
    assert store.stored.serving == 0
    timer.t += 2.5  # no hold for 2.5 s: the slowness is old news
    async with room.admit(tickets[0]):
        pass
    assert store.stored.serving >= 1


async def test_a_rate_under_one_a_second_still_moves_the_line() -> None:
    room, store, clock, _ = _room(max_in_flight=0, admit_per_s=0.5)
    tickets = [(await _queued(room)).details["ticket"] for _ in range(2)]
    clock.advance(2.0)
    async with room.admit(tickets[0]):
        pass
    assert store.stored.serving == 1
    assert (await _queued(room, tickets[1])).details["position"] == 1
