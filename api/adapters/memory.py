"""In-process store implementing every port: fast unit tests and the STORE=memory demo mode.

Atomicity comes from asyncio: no method awaits between its checks and its writes.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from api.domain.errors import HoldAlreadyBooked, HoldExpired, HoldReleased, SeatsUnavailable
from api.domain.model import Booking, Hold, HoldStatus, Movie, Notice, SeatState, SeatStatus, Show
from api.service.ports import (
    BookingCommit,
    IdempotencyInProgress,
    IdempotencyMismatch,
    IdempotencyOutcome,
    IdempotencyReplay,
    IdempotencyStarted,
    OutboxEvent,
)
from api.service.views import BookingView


class _Idem:
    def __init__(self, request_hash: str, owner: str, locked_until: datetime) -> None:
        self.request_hash = request_hash
        self.owner = owner
        self.locked_until = locked_until
        self.result: BookingView | None = None


class MemoryStore:
    """CatalogStore + SeatLockStore + BookingStore in dictionaries."""

    def __init__(self) -> None:
        self.movies: dict[str, Movie] = {}
        self.shows: dict[str, Show] = {}
        self.seats: dict[str, dict[str, SeatState]] = {}
        self.holds: dict[str, Hold] = {}
        self.bookings: dict[str, Booking] = {}
        self.notices: dict[str, Notice] = {}
        self.idempotency: dict[str, _Idem] = {}
        self.outbox: list[OutboxEvent] = []

    async def deliver_outbox(self, send_confirmation: Callable[[str], Awaitable[object]]) -> None:
        """Stand in for SQS + the booking-events Lambda: deliver outbox events in-process, every 0.5 s."""
        while True:
            await asyncio.sleep(0.5)
            while self.outbox:
                event = self.outbox.pop(0)
                if event.type == "booking_confirmed":
                    await send_confirmation(str(event.payload["booking_id"]))

    async def ping(self) -> None:
        """Readiness: always ready."""

    # -- catalog -----------------------------------------------------------------------------
    async def list_movies(self) -> list[Movie]:
        return list(self.movies.values())

    async def get_movie(self, movie_id: str) -> Movie | None:
        return self.movies.get(movie_id)

    async def list_shows(self, movie_id: str, on: date | None) -> list[Show]:
        shows = [s for s in self.shows.values() if s.movie_id == movie_id]
        if on is not None:
            shows = [s for s in shows if s.starts_at.date() == on]
        return sorted(shows, key=lambda s: (s.starts_at, s.id))

    async def get_show(self, show_id: str) -> Show | None:
        return self.shows.get(show_id)

    async def put_catalog(self, movies: list[Movie], shows: list[Show]) -> int:
        written = 0
        for m in movies:
            self.movies[m.id] = m
            written += 1
        for s in shows:
            self.shows[s.id] = s
            seats = self.seats.setdefault(s.id, {})
            for seat_id in s.seat_ids():
                seats.setdefault(seat_id, SeatState(seat_id, SeatStatus.AVAILABLE))
            written += 1 + s.seats_total
        return written

    # -- seats and holds ---------------------------------------------------------------------
    async def get_seats(self, show_id: str) -> list[SeatState]:
        return list(self.seats.get(show_id, {}).values())

    async def create_hold(self, hold: Hold, now: datetime) -> None:
        seats = self.seats.setdefault(hold.show_id, {})
        taken = [
            sid
            for sid in hold.seat_ids
            if sid in seats and seats[sid].effective_status(now) is not SeatStatus.AVAILABLE
        ]
        if taken:
            raise SeatsUnavailable(taken)
        for sid in hold.seat_ids:
            seats[sid] = SeatState(sid, SeatStatus.HELD, hold_id=hold.id, hold_expires_at=hold.expires_at)
        self.holds[hold.id] = hold

    async def get_hold(self, hold_id: str) -> Hold | None:
        return self.holds.get(hold_id)

    async def release_hold(self, hold: Hold, now: datetime, *, only_if_expired: bool = False) -> bool:
        current = self.holds.get(hold.id)
        if current is None or current.stored_status is not HoldStatus.ACTIVE:
            return False
        if only_if_expired and current.expires_at > now:
            return False
        self.holds[hold.id] = replace(current, stored_status=HoldStatus.RELEASED)
        seats = self.seats.get(hold.show_id, {})
        for sid in hold.seat_ids:
            seat = seats.get(sid)
            if seat is not None and seat.status is SeatStatus.HELD and seat.hold_id == hold.id:
                seats[sid] = SeatState(sid, SeatStatus.AVAILABLE)
        return True

    # -- bookings and idempotency ------------------------------------------------------------
    async def begin_idempotent(
        self, key: str, request_hash: str, now: datetime, lock_seconds: int
    ) -> IdempotencyOutcome:
        rec = self.idempotency.get(key)
        if rec is not None and rec.request_hash != request_hash:
            return IdempotencyMismatch()
        if rec is not None and rec.result is not None:
            return IdempotencyReplay(rec.result)
        if rec is not None and rec.locked_until > now:
            return IdempotencyInProgress()
        owner = secrets.token_hex(8)
        self.idempotency[key] = _Idem(request_hash, owner, now + timedelta(seconds=lock_seconds))
        return IdempotencyStarted(owner)

    async def abandon_idempotent(self, key: str, owner: str) -> None:
        rec = self.idempotency.get(key)
        if rec is not None and rec.owner == owner and rec.result is None:
            del self.idempotency[key]

    async def commit_booking(self, commit: BookingCommit) -> None:
        b = commit.booking
        hold = self.holds[b.hold_id]
        if hold.stored_status is HoldStatus.BOOKED:
            raise HoldAlreadyBooked(evidence={"booking_id": hold.booking_id})
        if hold.stored_status is HoldStatus.RELEASED:
            raise HoldReleased()
        if hold.expires_at <= commit.now:
            raise HoldExpired()
        seats = self.seats[b.show_id]
        if any(seats[s].hold_id != hold.id or seats[s].status is not SeatStatus.HELD for s in b.seat_ids):
            raise HoldExpired()
        rec = self.idempotency.get(commit.idempotency_key)
        if rec is None or rec.owner != commit.idempotency_owner:
            raise HoldAlreadyBooked()
        for s in b.seat_ids:
            seats[s] = SeatState(s, SeatStatus.BOOKED, booking_id=b.id)
        self.holds[hold.id] = replace(hold, stored_status=HoldStatus.BOOKED, booking_id=b.id)
        self.bookings[b.id] = b
        rec.result = commit.view
        self.outbox.append(commit.event)

    async def get_booking(self, booking_id: str) -> Booking | None:
        return self.bookings.get(booking_id)

    async def mark_notified(self, booking_id: str, notice: Notice) -> bool:
        booking = self.bookings.get(booking_id)
        if booking is None or booking.notification_status == "sent":
            return False
        self.bookings[booking_id] = replace(booking, notification_status="sent", notification_sent_at=notice.sent_at)
        self.notices[booking_id] = notice
        return True

    async def get_notice(self, booking_id: str) -> Notice | None:
        return self.notices.get(booking_id)


class RecordingScheduler:
    """HoldExpiryScheduler that remembers what it was asked (unit tests, memory mode)."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[str, int]] = []

    async def schedule(self, hold: Hold, delay_seconds: int) -> None:
        self.scheduled.append((hold.id, delay_seconds))
