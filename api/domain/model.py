"""Pure domain model: movies, shows, seats, holds, bookings. Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from api.domain.errors import InvalidSeatSelection, UnknownSeats

MAX_SEATS_PER_HOLD = 10
_SEAT_ID = re.compile(r"^([A-Z])([1-9][0-9]?)$")


class SeatStatus(StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    BOOKED = "booked"


class HoldStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    RELEASED = "released"
    BOOKED = "booked"


@dataclass(frozen=True)
class Movie:
    id: str
    title: str
    synopsis: str
    duration_minutes: int
    rating: str
    genres: tuple[str, ...]


@dataclass(frozen=True)
class Show:
    id: str
    movie_id: str
    screen: str
    starts_at: datetime
    price_cents: int
    currency: str
    rows: str  # one letter per row, e.g. "ABCDEFGHIJ"
    seats_per_row: int

    @property
    def seats_total(self) -> int:
        return len(self.rows) * self.seats_per_row

    def seat_ids(self) -> list[str]:
        """All seat ids of the screen, row by row (A1, A2, ... J12)."""
        return [f"{row}{n}" for row in self.rows for n in range(1, self.seats_per_row + 1)]

    def has_seat(self, seat_id: str) -> bool:
        m = _SEAT_ID.match(seat_id)
        return bool(m) and m.group(1) in self.rows and 1 <= int(m.group(2)) <= self.seats_per_row  # type: ignore[union-attr]

    def validate_selection(self, seat_ids: list[str]) -> list[str]:
        """Return the selection if it is 1-10 distinct seats of this screen, else raise."""
        if not 1 <= len(seat_ids) <= MAX_SEATS_PER_HOLD:
            raise InvalidSeatSelection(details={"count": len(seat_ids), "max": MAX_SEATS_PER_HOLD})
        if len(set(seat_ids)) != len(seat_ids):
            dupes = sorted({s for s in seat_ids if seat_ids.count(s) > 1})
            raise InvalidSeatSelection("Each seat may be selected once.", details={"duplicates": dupes})
        unknown = [s[:8] for s in seat_ids if not self.has_seat(s)]  # echo a short prefix of bad input only
        if unknown:
            raise UnknownSeats(
                f"Unknown seats for show {self.id}: {', '.join(unknown)}.", details={"seat_ids": unknown}
            )
        return seat_ids


@dataclass(frozen=True)
class SeatState:
    """A seat as stored: status plus who holds or booked it."""

    seat_id: str
    status: SeatStatus
    hold_id: str | None = None
    hold_expires_at: datetime | None = None
    booking_id: str | None = None

    def effective_status(self, now: datetime) -> SeatStatus:
        """A hold whose expiry has passed counts as available, whether or not cleanup ran."""
        if self.status is SeatStatus.HELD and self.hold_expires_at is not None and self.hold_expires_at <= now:
            return SeatStatus.AVAILABLE
        return self.status


def split_seat_id(seat_id: str) -> tuple[str, int]:
    """'B12' -> ('B', 12)."""
    m = _SEAT_ID.match(seat_id)
    if not m:
        raise UnknownSeats(details={"seat_ids": [seat_id]})
    return m.group(1), int(m.group(2))


@dataclass(frozen=True)
class Hold:
    id: str
    show_id: str
    seat_ids: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    stored_status: HoldStatus = HoldStatus.ACTIVE
    booking_id: str | None = None
    token_digest: str = ""  # SHA-256 of the hold token (api/domain/capability.py); never the token

    def status(self, now: datetime) -> HoldStatus:
        if self.stored_status is HoldStatus.ACTIVE and self.expires_at <= now:
            return HoldStatus.EXPIRED
        return self.stored_status

    def ttl_seconds(self, now: datetime) -> int:
        return max(0, int((self.expires_at - now).total_seconds()))


@dataclass(frozen=True)
class Customer:
    name: str
    email: str


@dataclass(frozen=True)
class Booking:
    id: str
    reference: str
    show_id: str
    hold_id: str
    seat_ids: tuple[str, ...]
    total_cents: int
    currency: str
    customer: Customer
    payment_id: str
    created_at: datetime
    status: str = "confirmed"
    notification_status: str = "pending"
    notification_sent_at: datetime | None = None
    token_digest: str = ""  # SHA-256 of the booking token


@dataclass(frozen=True)
class Notice:
    """A rendered confirmation e-mail (mock): what the customer would receive."""

    booking_id: str
    to: str
    subject: str
    text: str
    html: str
    sent_at: datetime


@dataclass
class SeatCounts:
    available: int = 0
    held: int = 0
    booked: int = 0
