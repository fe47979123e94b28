"""Ports: what the service layer needs from the outside world (typing.Protocol only), fully typed.

Adapters in api.adapters implement them: memory (unit tests), dynamodb, sqs, payment_mock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from api.domain.model import Booking, Hold, Movie, Notice, SeatState, Show
from api.service.views import BookingView


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class CatalogStore(Protocol):
    async def list_movies(self) -> list[Movie]: ...
    async def get_movie(self, movie_id: str) -> Movie | None: ...
    async def list_shows(self, movie_id: str, on: date | None) -> list[Show]: ...
    async def get_show(self, show_id: str) -> Show | None: ...
    async def put_catalog(self, movies: list[Movie], shows: list[Show]) -> int:
        """Idempotent seed: write movies, shows and their (available) seats; return items written."""
        ...


class SeatLockStore(Protocol):
    async def get_seats(self, show_id: str) -> list[SeatState]: ...

    async def create_hold(self, hold: Hold, now: datetime) -> None:
        """All or nothing: lock every seat of the hold (free, or held by an expired hold) and store it.

        Raises SeatsUnavailable naming exactly the seats a live hold or a booking covers, and never a
        free one: SeatLockContended when the locks stayed contended past the retries with nothing taken.
        """
        ...

    async def get_hold(self, hold_id: str) -> Hold | None: ...

    async def release_hold(self, hold: Hold, now: datetime, *, only_if_expired: bool = False) -> bool:
        """Free the seats an active hold still owns, then mark it released at `now`.

        only_if_expired: only a hold whose expiry is <= now is released (expiry worker).
        Returns True when this call changed the hold; SeatLockContended leaves it active for a retry.
        """
        ...


@dataclass(frozen=True)
class IdempotencyStarted:
    owner: str


@dataclass(frozen=True)
class IdempotencyReplay:
    booking: BookingView  # what the first request answered, replayed as it was


@dataclass(frozen=True)
class IdempotencyInProgress:
    pass


@dataclass(frozen=True)
class IdempotencyMismatch:
    pass


IdempotencyOutcome = IdempotencyStarted | IdempotencyReplay | IdempotencyInProgress | IdempotencyMismatch


@dataclass(frozen=True)
class OutboxEvent:
    """An event written in the same transaction as the state change it announces."""

    id: str
    type: str
    payload: dict[str, str]
    created_at: datetime


@dataclass(frozen=True)
class BookingCommit:
    booking: Booking
    idempotency_key: str
    idempotency_owner: str
    view: BookingView  # stored with the key: a retry of the request replays it
    event: OutboxEvent
    now: datetime


class BookingStore(Protocol):
    async def begin_idempotent(
        self, key: str, request_hash: str, now: datetime, lock_seconds: int
    ) -> IdempotencyOutcome:
        """Claim key for this request, or report a stored result / a request in flight / a mismatch."""
        ...

    async def abandon_idempotent(self, key: str, owner: str) -> None:
        """Drop a claim whose request ended without a stored result (nothing was written)."""
        ...

    async def commit_booking(self, commit: BookingCommit) -> None:
        """One transaction: hold active->booked, seats held->booked, booking, idempotency result, event.

        Raises HoldExpired / HoldAlreadyBooked / HoldReleased when the hold changed meanwhile.
        """
        ...

    async def get_booking(self, booking_id: str) -> Booking | None: ...

    async def mark_notified(self, booking_id: str, notice: Notice) -> bool:
        """Store the rendered notice and set notification=sent; False if it was already sent."""
        ...

    async def get_notice(self, booking_id: str) -> Notice | None: ...


@dataclass(frozen=True)
class Charge:
    id: str
    amount_cents: int
    currency: str


class PaymentGateway(Protocol):
    async def charge(self, *, amount_cents: int, currency: str, token: str, idempotency_key: str) -> Charge:
        """Charge once per idempotency_key (a retry returns the first charge). Raises PaymentDeclined."""
        ...

    async def refund(self, charge: Charge) -> None: ...


class HoldExpiryScheduler(Protocol):
    async def schedule(self, hold: Hold, delay_seconds: int) -> None:
        """Ask for a hold-expiry message delivered after delay_seconds. Raises DependencyUnavailable."""
        ...


class EventPublisher(Protocol):
    async def publish(self, event: OutboxEvent) -> None:
        """Deliver an event its state change has just committed. Best effort, never raises: what it
        misses stays pending in the outbox for the sweep (ADR 0011)."""
        ...


class OutboxStore(Protocol):
    async def pending(self, older_than: timedelta, limit: int) -> list[OutboxEvent]:
        """Events not yet relayed, created more than older_than ago, oldest first."""
        ...

    async def mark_relayed(self, event_id: str, at: datetime) -> None:
        """Take a sent event off the pending list (a failure leaves it pending: sent again later)."""
        ...


class EventQueue(Protocol):
    async def publish(self, events: Sequence[OutboxEvent]) -> list[str]:
        """Send events to the queue; return the ids it accepted. Raises DependencyUnavailable."""
        ...


class Readiness(Protocol):
    async def ping(self) -> None:
        """Raise DependencyUnavailable when the database does not answer."""
        ...
