"""The double-booking checker against crafted data sets: one clean, one per kind of violation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from api.adapters.dynamodb import items as I
from api.domain.model import Booking, Customer, Hold, HoldStatus
from loadtests.invariants import check, scope_shows
from loadtests.snapshot import BookingRow, HoldRow, IdemRow, SeatRow, Snapshot

SHOW = "sh-a"
T0 = 1_800_000_000_000  # epoch ms


def _snapshot() -> Snapshot:
    """Two bookings on SHOW (A1+A2 by b1, B1 by b2), one live hold on C1, every key completed."""
    snap = Snapshot()
    for seat in ("A1", "A2", "B1", "C1", "D1"):
        snap.seats[(SHOW, seat)] = SeatRow(SHOW, seat, "available")
    for b, seats, hold in (("b1", ("A1", "A2"), "h1"), ("b2", ("B1",), "h2")):
        snap.bookings.append(BookingRow(b, SHOW, hold, seats, T0 + 100))
        snap.holds.append(HoldRow(hold, SHOW, seats, T0, T0 + 10_000, "booked"))
        snap.idem.append(IdemRow(f"key-{b}", "completed", b))
        for seat in seats:
            snap.seats[(SHOW, seat)] = SeatRow(SHOW, seat, "booked", None, b)
    snap.holds.append(HoldRow("h3", SHOW, ("C1",), T0 + 200, T0 + 10_200))
    snap.seats[(SHOW, "C1")] = SeatRow(SHOW, "C1", "held", "h3")
    return snap


def _log() -> list[dict[str, Any]]:
    return [
        {"ev": "hold", "t0": T0, "t1": T0 + 5, "show": SHOW, "seats": ["A1", "A2"], "status": 201, "hold_id": "h1"},
        {
            "ev": "book",
            "t0": T0 + 90,
            "t1": T0 + 120,
            "key": "key-b1",
            "hold_id": "h1",
            "status": 201,
            "booking_id": "b1",
        },
        {
            "ev": "book",
            "t0": T0 + 130,
            "t1": T0 + 140,
            "key": "key-b1",
            "hold_id": "h1",
            "status": 201,
            "booking_id": "b1",
            "replayed": True,
        },
        # refused while h3 was live (created T0+200, expires T0+10_200): justified
        {
            "ev": "hold",
            "t0": T0 + 300,
            "t1": T0 + 310,
            "show": SHOW,
            "seats": ["C1", "D1"],
            "status": 409,
            "code": "seats_unavailable",
            "conflict": ["C1"],
        },
    ]


def _failed(snap: Snapshot, log: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r.name: r.violations for r in check(snap, log) if not r.ok}


def test_a_clean_run_passes_every_invariant() -> None:
    results = check(_snapshot(), _log())
    assert [r.name for r in results] == [
        "no_seat_booked_twice",
        "booking_seats_owned",
        "one_booking_per_idempotency_key",
        "no_refusal_by_expired_hold",
        "counts_reconcile",
    ]
    assert all(r.ok for r in results), [r.violations for r in results]
    assert {r.name: r.checked for r in results}["no_refusal_by_expired_hold"] == 1


def test_a_seat_in_two_bookings_is_a_double_booking() -> None:
    snap = _snapshot()
    snap.bookings.append(BookingRow("b3", SHOW, "h4", ("A2",), T0 + 500))
    snap.idem.append(IdemRow("key-b3", "completed", "b3"))
    failed = _failed(snap, _log())
    assert failed["no_seat_booked_twice"] == ["sh-a/A2: b1, b3"]
    assert failed["booking_seats_owned"] == ["b3: sh-a/A2 is booked by b1"]
    assert failed["counts_reconcile"] == ["sh-a: 3 seats stored as booked, bookings account for 4"]
    assert "one_booking_per_idempotency_key" not in failed


def test_a_booking_whose_seat_is_not_booked_by_it_is_reported() -> None:
    snap = _snapshot()
    snap.seats[(SHOW, "B1")] = SeatRow(SHOW, "B1", "held", "h9")
    failed = _failed(snap, _log())
    assert failed["booking_seats_owned"] == ["b2: sh-a/B1 is held by h9"]
    assert failed["counts_reconcile"] == ["sh-a: 2 seats stored as booked, bookings account for 3"]


def test_one_key_confirming_two_bookings_is_reported() -> None:
    log = [
        *_log(),
        {
            "ev": "book",
            "t0": T0 + 150,
            "t1": T0 + 160,
            "key": "key-b1",
            "hold_id": "h1",
            "status": 201,
            "booking_id": "b2",
        },
    ]
    failed = _failed(_snapshot(), log)
    assert failed == {"one_booking_per_idempotency_key": ["key key-b1: bookings b1, b2"]}


def test_bookings_without_exactly_one_completed_key_are_reported() -> None:
    snap = _snapshot()
    snap.idem = [IdemRow("key-b1", "completed", "b1"), IdemRow("key-x", "completed", "b1")]
    failed = _failed(snap, _log())
    assert failed["one_booking_per_idempotency_key"] == [
        "booking b1: 2 idempotency keys (key-b1, key-x)",
        "booking b2: 0 idempotency keys (none)",
    ]


def test_a_confirmed_booking_missing_from_the_table_is_reported() -> None:
    snap = _snapshot()
    snap.idem.append(IdemRow("key-lost", "completed", "b-lost"))
    log = [
        *_log(),
        {
            "ev": "book",
            "t0": T0,
            "t1": T0 + 1,
            "key": "key-lost",
            "hold_id": "h7",
            "status": 201,
            "booking_id": "b-lost",
        },
    ]
    assert _failed(snap, log) == {
        "one_booking_per_idempotency_key": [
            "booking b-lost was confirmed to the client but is not stored",
            "key key-lost: completed with booking b-lost, which is not stored",
        ]
    }


def test_a_refusal_caused_only_by_an_expired_hold_is_reported() -> None:
    snap = _snapshot()
    snap.holds.append(HoldRow("h-old", SHOW, ("D1",), T0, T0 + 1_000))  # expired at T0+1s
    snap.seats[(SHOW, "D1")] = SeatRow(SHOW, "D1", "held", "h-old")  # the expiry worker has not run yet
    late = T0 + 5_000
    log = [
        *_log(),
        {
            "ev": "hold",
            "t0": late,
            "t1": late + 9,
            "show": SHOW,
            "seats": ["D1"],
            "status": 409,
            "code": "seats_unavailable",
            "conflict": ["D1"],
        },
    ]
    assert _failed(snap, log) == {
        "no_refusal_by_expired_hold": [
            f"sh-a/D1: refused at {late} (request ?) with no live hold or booking; stored now: held by h-old"
        ]
    }


def test_a_refusal_just_before_the_hold_expired_is_justified() -> None:
    snap = _snapshot()
    snap.holds.append(HoldRow("h-old", SHOW, ("D1",), T0, T0 + 1_000))
    log = [
        *_log(),
        {
            "ev": "hold",
            "t0": T0 + 990,
            "t1": T0 + 1_020,
            "show": SHOW,
            "seats": ["D1"],
            "status": 409,
            "code": "seats_unavailable",
            "conflict": ["D1"],
        },
    ]
    assert _failed(snap, log) == {}


def test_a_booked_seat_stored_without_a_booking_breaks_the_counts() -> None:
    snap = _snapshot()
    snap.seats[(SHOW, "D1")] = SeatRow(SHOW, "D1", "booked", None, "b-ghost")
    assert _failed(snap, _log()) == {"counts_reconcile": ["sh-a: 4 seats stored as booked, bookings account for 3"]}


def test_the_check_is_scoped_to_the_shows_the_run_touched() -> None:
    snap = _snapshot()
    snap.bookings.append(BookingRow("old", "sh-other", "h-x", ("A1",), T0 - 10))  # damage from another run
    snap.seats[("sh-other", "A1")] = SeatRow("sh-other", "A1", "booked", None, "someone-else")
    assert scope_shows(snap, _log()) == {SHOW}
    assert _failed(snap, _log()) == {}
    assert "booking_seats_owned" in _failed(snap, [])  # no log: every show is in scope


def test_the_snapshot_reads_the_items_the_api_writes() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    hold = Hold("h1", SHOW, ("A1", "A2"), now, now + timedelta(seconds=30), HoldStatus.BOOKED, "b1")
    booking = Booking("b1", "MTB-ABCDEF", SHOW, "h1", ("A1", "A2"), 2000, "USD", Customer("N", "n@x.io"), "pay", now)
    seat = {**I.seat_item(SHOW, "A1"), "status": I.s("booked"), "booking_id": I.s("b1")}
    idem = {**I.idem_key("k1"), "state": I.s("completed"), "booking_id": I.s("b1")}
    gone = Hold("h2", SHOW, ("B1",), now, now + timedelta(seconds=30), HoldStatus.RELEASED)
    released = {**I.hold_item(gone), "released_at": I.n(I.ms(now) + 5_000)}
    snap = Snapshot()
    for item in (I.hold_item(hold), I.booking_item(booking), seat, idem, released):
        snap.add_item(item)
    assert snap.seats[(SHOW, "A1")] == SeatRow(SHOW, "A1", "booked", None, "b1")
    assert snap.holds == [
        HoldRow("h1", SHOW, ("A1", "A2"), I.ms(now), I.ms(now) + 30_000, "booked"),
        HoldRow("h2", SHOW, ("B1",), I.ms(now), I.ms(now) + 30_000, "released", I.ms(now) + 5_000),
    ]
    assert snap.holds[1].live_until_ms == I.ms(now) + 5_000
    assert snap.bookings == [BookingRow("b1", SHOW, "h1", ("A1", "A2"), I.ms(now))]
    assert snap.idem == [IdemRow("k1", "completed", "b1")]


def _refusal(at: int, seat: str, rid: str) -> dict[str, Any]:
    return {
        "ev": "hold",
        "t0": at,
        "t1": at + 9,
        "rid": rid,
        "show": SHOW,
        "seats": [seat],
        "status": 409,
        "code": "seats_unavailable",
        "conflict": [seat],
    }


def test_a_released_hold_stops_covering_its_seats_when_it_was_released() -> None:
    snap = _snapshot()
    snap.holds.append(HoldRow("h-gone", SHOW, ("D1",), T0, T0 + 300_000, "released", released_ms=T0 + 1_000))
    before, after = _refusal(T0 + 900, "D1", "r-before"), _refusal(T0 + 5_000, "D1", "r-after")
    failed = _failed(snap, [*_log(), before, after])
    assert failed == {
        "no_refusal_by_expired_hold": [
            f"sh-a/D1: refused at {T0 + 5_000} (request r-after) with no live hold or booking; stored now: available"
        ]
    }


def test_each_doubted_refusal_quotes_the_apis_own_log_line(tmp_path: Path) -> None:
    snap = _snapshot()
    del snap.seats[(SHOW, "D1")]  # a show published before its seats were stored
    api_line = {
        "level": "INFO",
        "message": "request",
        "request_id": "r-lie",
        "status": 409,
        "error_code": "seats_unavailable",
        "evidence": {"D1": "no seat item"},
    }
    other = {"message": "request", "request_id": "r-other", "status": 201}
    log_file = tmp_path / "api.log"
    log_file.write_text("uvicorn started\n" + "\n".join(orjson.dumps(x).decode() for x in (other, api_line)) + "\n")
    [result] = [r for r in check(snap, [*_log(), _refusal(T0 + 50, "D1", "r-lie")], log_file) if not r.ok]
    assert result.violations == [
        f"sh-a/D1: refused at {T0 + 50} (request r-lie) with no live hold or booking; stored now: no seat item"
    ]
    assert result.as_dict()["evidence"] == [
        {"request_id": "r-lie", "show": SHOW, "seat": "D1", "t0": T0 + 50, "t1": T0 + 59, "api_log": api_line}
    ]


def test_a_refusal_without_an_api_log_line_says_so() -> None:
    snap = _snapshot()
    [result] = [r for r in check(snap, [*_log(), _refusal(T0 + 50, "D1", "r-x")]) if not r.ok]
    assert result.evidence[0]["api_log"] is None
