"""The DynamoDB store when the seat locks stay contended: a stub client that answers TransactionConflict.

DynamoDB Local serialises transactions under a table lock and never answers TransactionConflict, so
the exhausted-retries path is forced here with a stub; tests/integration/test_seat_lock_collisions.py
runs it on DynamoDB Local with colliding releases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.adapters.clock import ManualClock
from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.bookings import DynamoBookings
from api.adapters.dynamodb.client import DynamoError
from api.adapters.dynamodb.contention import RetryPolicy
from api.adapters.dynamodb.seat_locks import DynamoSeatLocks
from api.adapters.dynamodb.table import Table
from api.domain.errors import DependencyUnavailable, SeatLockContended, SeatsUnavailable
from api.domain.model import Booking, Customer, Hold
from api.service.ports import BookingCommit, OutboxEvent
from api.service.views import booking_view

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
SHOW = "sh-1"
FAST = RetryPolicy(attempts=4, budget_s=1.0, base_s=0.0001, cap_s=0.0005)


def _cancelled(codes: list[str], items: dict[int, I.Item] | None = None) -> DynamoError:
    reasons: list[dict[str, Any]] = [{"Code": c} for c in codes]
    for i, item in (items or {}).items():
        reasons[i]["Item"] = item
    return DynamoError("TransactionCanceledException", "cancelled", reasons=reasons)


def _seat(seat_id: str, status: str = "available", **extra: dict[str, str]) -> I.Item:
    return {**I.seat_item(SHOW, seat_id), "status": I.s(status), **extra}


class StubClient:
    """A DynamoClient: answers every transaction with `answers` (the last repeats), seat reads from `seats`."""

    def __init__(self, answers: list[Exception | None], seats: dict[str, I.Item] | None = None) -> None:
        self.answers = answers
        self.seats = seats or {}
        self.transactions = 0
        self.updates: list[dict[str, Any]] = []
        self.conflicting_updates = 0
        self.puts: list[dict[str, Any]] = []
        self.hold_stored = False  # what a timed-out transaction really did

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(await getattr(self, action)(**payload))

    async def TransactWriteItems(self, **kw: Any) -> dict[str, Any]:  # methods named as DynamoDB actions
        answer = self.answers[min(self.transactions, len(self.answers) - 1)]
        self.transactions += 1
        if answer is not None:
            raise answer
        return {}

    async def BatchGetItem(self, **kw: Any) -> dict[str, Any]:
        [(table, req)] = kw["RequestItems"].items()
        assert req["ConsistentRead"] is True  # a refusal after conflicts rests on a strongly consistent read
        found = [self.seats[k["SK"]["S"][5:]] for k in req["Keys"] if k["SK"]["S"][5:] in self.seats]
        return {"Responses": {table: found}}

    async def PutItem(self, **kw: Any) -> dict[str, Any]:
        self.puts.append(kw)
        if self.hold_stored:
            raise DynamoError("ConditionalCheckFailedException")
        return {}

    async def UpdateItem(self, **kw: Any) -> dict[str, Any]:
        if kw["Key"]["PK"]["S"].startswith("SHOW#") and self.conflicting_updates:
            self.conflicting_updates -= 1
            raise DynamoError("TransactionConflictException")
        self.updates.append(kw)
        return {}


def _locks(client: StubClient, retry: RetryPolicy = FAST, clock: ManualClock | None = None) -> DynamoSeatLocks:
    return DynamoSeatLocks(Table(client, "tbl"), clock or ManualClock(T0), retry=retry)


def _hold(seats: tuple[str, ...] = ("A1", "A2")) -> Hold:
    return Hold("hold_1", SHOW, seats, T0, T0 + timedelta(minutes=5))


CONFLICTS = _cancelled(["None", "TransactionConflict", "None"])


async def test_conflicts_that_outlast_the_retries_name_no_free_seat() -> None:
    client = StubClient([CONFLICTS], {"A1": _seat("A1"), "A2": _seat("A2")})
    with pytest.raises(SeatLockContended) as exc:
        await _locks(client).create_hold(_hold(), T0)
    assert client.transactions == FAST.attempts
    assert exc.value.code == "seat_lock_contended"
    assert exc.value.retry_after_s == 1
    assert exc.value.details == {"seat_ids": ["A1", "A2"], "attempts": 4}
    assert exc.value.evidence["basis"] == "conflicts_outlasted_retries"
    assert exc.value.evidence["seats"] == {"A1": "available", "A2": "available"}


async def test_after_conflicts_only_a_seat_a_consistent_read_shows_taken_is_named() -> None:
    live = _seat("A2", "held", hold_id=I.s("hold_other"), hold_expires_at=I.n(I.ms(T0 + timedelta(minutes=1))))
    expired = _seat("A1", "held", hold_id=I.s("hold_old"), hold_expires_at=I.n(I.ms(T0 - timedelta(seconds=1))))
    client = StubClient([CONFLICTS], {"A1": expired, "A2": live})
    with pytest.raises(SeatsUnavailable) as exc:
        await _locks(client).create_hold(_hold(), T0)
    assert exc.value.seat_ids == ["A2"]
    assert exc.value.evidence["basis"] == "consistent_read"
    assert exc.value.evidence["seats"]["A2"] == f"held by hold_other until {I.ms(T0 + timedelta(minutes=1))}"


async def test_a_conflict_then_success_holds_the_seats() -> None:
    client = StubClient([CONFLICTS, CONFLICTS, None])
    await _locks(client).create_hold(_hold(), T0)
    assert client.transactions == 3


async def test_the_retry_budget_bounds_the_wait() -> None:
    slow = RetryPolicy(attempts=1000, budget_s=0.05, base_s=0.01, cap_s=0.02)
    client = StubClient([CONFLICTS], {"A1": _seat("A1"), "A2": _seat("A2")})
    with pytest.raises(SeatLockContended):
        await _locks(client, slow).create_hold(_hold(), T0)
    assert 2 <= client.transactions < 50


async def test_a_cancellation_that_is_neither_condition_nor_contention_is_a_bug_not_contention() -> None:
    client = StubClient([_cancelled(["None", "ValidationError", "None"])])
    with pytest.raises(DynamoError):
        await _locks(client).create_hold(_hold(), T0)
    assert client.transactions == 1


async def test_a_failed_condition_names_the_seat_it_failed_on_without_retrying() -> None:
    booked = _seat("A1", "booked", booking_id=I.s("bkg_9"))
    client = StubClient([_cancelled(["None", "ConditionalCheckFailed", "None"], {1: booked})])
    with pytest.raises(SeatsUnavailable) as exc:
        await _locks(client).create_hold(_hold(), T0)
    assert exc.value.seat_ids == ["A1"]
    assert exc.value.evidence == {"basis": "condition", "attempts": 1, "seats": {"A1": "booked by bkg_9"}}
    assert client.transactions == 1


async def test_a_seat_with_no_item_is_not_called_taken() -> None:
    client = StubClient([_cancelled(["None", "ConditionalCheckFailed", "None"])])  # no Item: never stored
    with pytest.raises(DependencyUnavailable) as exc:
        await _locks(client).create_hold(_hold(), T0)
    assert "A1" in exc.value.message
    assert exc.value.evidence["seats"] == {"A1": "no seat item"}


async def test_a_resent_hold_that_had_committed_is_a_success_not_a_refusal() -> None:
    mine = _seat("A1", "held", hold_id=I.s("hold_1"), hold_expires_at=I.n(I.ms(T0 + timedelta(minutes=5))))
    resent = _cancelled(["ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed"], {1: mine})
    await _locks(StubClient([resent])).create_hold(_hold(), T0)


def _commit() -> BookingCommit:
    booking = Booking("bkg_1", "REF", SHOW, "hold_1", ("A1",), 1000, "USD", Customer("A", "a@x.io"), "ch_1", T0)
    event = OutboxEvent("evt_1", "booking_confirmed", {"booking_id": "bkg_1"}, T0)
    return BookingCommit(booking, "key-1", "owner-1", booking_view(booking), event, T0)


async def test_a_booking_whose_transaction_stays_contended_is_not_called_expired() -> None:
    contended = _cancelled(["None", "None", "None", "None", "TransactionConflict"])
    client = StubClient([contended])
    with pytest.raises(SeatLockContended) as exc:
        await DynamoBookings(Table(client, "tbl"), retry=FAST).commit_booking(_commit())
    assert exc.value.details["attempts"] == FAST.attempts


async def test_a_resent_booking_that_had_committed_is_a_success() -> None:
    resent = _cancelled(["ConditionalCheckFailed"] * 5)
    await DynamoBookings(Table(StubClient([resent]), "tbl"), retry=FAST).commit_booking(_commit())


async def test_a_release_retries_seat_writes_a_buyer_collides_with() -> None:
    client = StubClient([None])
    client.conflicting_updates = 2
    done = ManualClock(T0 + timedelta(seconds=2))  # the seats were free by then, not when the release began
    assert await _locks(client, clock=done).release_hold(_hold(("A1",)), T0) is True
    seat_write, hold_write = client.updates
    assert seat_write["Key"] == I.seat_key(SHOW, "A1")
    assert hold_write["Key"] == I.hold_key("hold_1")  # marked released only after its seats are free
    assert hold_write["ExpressionAttributeValues"][":done"] == I.n(I.ms(T0 + timedelta(seconds=2)))


async def test_a_release_cut_short_by_conflicts_leaves_the_hold_active_for_a_retry() -> None:
    client = StubClient([None])
    client.conflicting_updates = 100
    with pytest.raises(SeatLockContended):
        await _locks(client).release_hold(_hold(("A1",)), T0)
    assert client.updates == []  # the hold item was not marked released


async def test_a_hold_whose_transaction_timed_out_but_committed_is_the_buyers() -> None:
    client = StubClient([DependencyUnavailable("DynamoDB TransactWriteItems failed: SocketTimeoutError")])
    client.hold_stored = True
    await _locks(client).create_hold(_hold(), T0)
    [fence] = client.puts
    assert fence["ConditionExpression"] == "attribute_not_exists(PK)"


async def test_a_hold_whose_transaction_timed_out_is_fenced_so_it_can_never_lock_the_seats_later() -> None:
    client = StubClient([DependencyUnavailable("DynamoDB TransactWriteItems failed: SocketTimeoutError")])
    with pytest.raises(DependencyUnavailable) as exc:
        await _locks(client).create_hold(_hold(), T0)
    [fence] = client.puts
    assert fence["Item"]["PK"] == I.s("HOLD#hold_1")
    assert (fence["Item"]["status"], fence["Item"]["released_at"]) == (I.s("released"), I.n(I.ms(T0)))
    assert exc.value.evidence == {"basis": "outcome_unknown_then_fenced", "hold_id": "hold_1"}
