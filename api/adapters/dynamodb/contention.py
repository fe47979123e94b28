"""Seat-lock contention: TransactionConflict retried within a latency budget, and what DynamoDB said per item.

A transaction is cancelled for two different reasons that must never be confused (ADR 0012):
`ConditionalCheckFailed` on a seat means the seat is held or booked (or its item is missing), and the
item it failed on comes back with it (ReturnValuesOnConditionCheckFailure=ALL_OLD); `TransactionConflict`
means another request was writing the same item at that instant, and says nothing about the seat.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.adapters.dynamodb import items as I
from api.domain.model import SeatStatus

CONDITION_FAILED = "ConditionalCheckFailed"
# Reasons that say "not now" rather than "no": another writer on the item, or throttling. Retried.
CONTENTION = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and backoff for TransactionConflict: exponential with full jitter, within a latency budget.

    Full jitter spreads the retries of a crowd that collided once, so they do not collide again in step.
    """

    attempts: int = 10
    budget_s: float = 1.5  # the whole retry loop of one request; then the API answers seat_lock_contended
    base_s: float = 0.01
    cap_s: float = 0.25

    def delay(self, attempt: int) -> float:
        """Sleep before attempt `attempt + 1` (0-based `attempt` just failed)."""
        return random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass(frozen=True)
class Cancelled:
    """A transaction cancelled for good: its CancellationReasons (one per item, in order) and the attempts."""

    reasons: list[dict[str, Any]]
    attempts: int

    def code(self, index: int) -> str:
        return str(self.reasons[index].get("Code", "None")) if index < len(self.reasons) else "None"

    def item(self, index: int) -> I.Item | None:
        """The item as it was when its condition failed (ALL_OLD); None when there is no such item."""
        found: I.Item | None = self.reasons[index].get("Item") if index < len(self.reasons) else None
        return found

    @property
    def condition_failed(self) -> bool:
        return any(self.code(i) == CONDITION_FAILED for i in range(len(self.reasons)))

    @property
    def contended(self) -> bool:
        """Cancelled only because the items were busy (retrying may succeed)."""
        return not self.condition_failed and any(self.code(i) in CONTENTION for i in range(len(self.reasons)))

    def codes(self) -> list[str]:
        return [self.code(i) for i in range(len(self.reasons))]


# Runs a transaction once: None when it committed, else its CancellationReasons (other errors raise).
Send = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]] | None]]


async def transact_retrying(send: Send, txn: list[dict[str, Any]], policy: RetryPolicy) -> Cancelled | None:
    """Send txn; retry while it is cancelled only by conflicts. None on success, else why it was cancelled."""
    deadline = time.monotonic() + policy.budget_s
    attempt = 0
    while True:
        reasons = await send(txn)
        if reasons is None:
            return None
        attempt += 1
        cancelled = Cancelled(reasons, attempt)
        if not cancelled.contended or attempt >= policy.attempts:
            return cancelled  # a failed condition is an answer: retrying cannot change it
        pause = policy.delay(attempt - 1)
        if time.monotonic() + pause > deadline:
            return cancelled
        await asyncio.sleep(pause)


def seat_evidence(item: I.Item | None, now: datetime) -> str:
    """What a seat item says about the seat at `now`, for the request's log line."""
    if item is None:
        return "no seat item"
    seat = I.parse_seat(item)
    status = seat.effective_status(now)
    if status is SeatStatus.BOOKED:
        return f"booked by {seat.booking_id}"
    if status is SeatStatus.HELD and seat.hold_expires_at is not None:
        return f"held by {seat.hold_id} until {I.ms(seat.hold_expires_at)}"
    return "available"


def seat_taken(item: I.Item | None, now: datetime) -> bool:
    """Whether a live hold or a booking covers the seat at `now` (a missing item is not a taken seat)."""
    return item is not None and I.parse_seat(item).effective_status(now) is not SeatStatus.AVAILABLE


async def retry_conflicts(write: Callable[[], Awaitable[bool]], policy: RetryPolicy) -> int | None:
    """Run a single-item write until it is done (True) rather than conflicted (False); None when done,
    else the attempts spent when the conflicts outlasted the budget."""
    deadline = time.monotonic() + policy.budget_s
    for attempt in range(policy.attempts):
        if await write():
            return None
        pause = policy.delay(attempt)
        if attempt + 1 >= policy.attempts or time.monotonic() + pause > deadline:
            return attempt + 1
        await asyncio.sleep(pause)
    return policy.attempts
