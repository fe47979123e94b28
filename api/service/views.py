"""Public representations of domain objects (the API's JSON shapes), built in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.domain.model import Booking, Hold, Movie, Notice, SeatState, SeatStatus, Show, split_seat_id


def iso(ts: datetime) -> str:
    """ISO 8601 UTC with a Z suffix and second precision."""
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def movie_view(m: Movie) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "synopsis": m.synopsis,
        "duration_minutes": m.duration_minutes,
        "rating": m.rating,
        "genres": list(m.genres),
    }


def show_view(s: Show, seats_available: int) -> dict[str, Any]:
    return {
        "id": s.id,
        "movie_id": s.movie_id,
        "screen": s.screen,
        "starts_at": iso(s.starts_at),
        "price_cents": s.price_cents,
        "currency": s.currency,
        "seats_total": s.seats_total,
        "seats_available": seats_available,
    }


def seat_map_view(show: Show, seats: list[SeatState], now: datetime) -> dict[str, Any]:
    """Every seat of the screen with its status at `now` (expired holds count as available)."""
    by_id = {s.seat_id: s for s in seats}
    out: list[dict[str, Any]] = []
    counts = {"available": 0, "held": 0, "booked": 0}
    for seat_id in show.seat_ids():
        state = by_id.get(seat_id)
        status = state.effective_status(now) if state else SeatStatus.AVAILABLE
        counts[status.value] += 1
        row, number = split_seat_id(seat_id)
        out.append({"id": seat_id, "row": row, "number": number, "status": status.value})
    return {"show_id": show.id, "seats": out, "counts": counts}


def hold_view(h: Hold, now: datetime) -> dict[str, Any]:
    return {
        "hold_id": h.id,
        "show_id": h.show_id,
        "seat_ids": list(h.seat_ids),
        "status": h.status(now).value,
        "expires_at": iso(h.expires_at),
        "ttl_seconds": h.ttl_seconds(now),
        "booking_id": h.booking_id,
    }


def booking_view(b: Booking) -> dict[str, Any]:
    return {
        "booking_id": b.id,
        "reference": b.reference,
        "show_id": b.show_id,
        "hold_id": b.hold_id,
        "seat_ids": list(b.seat_ids),
        "total_cents": b.total_cents,
        "currency": b.currency,
        "status": b.status,
        "created_at": iso(b.created_at),
        "customer": {"name": b.customer.name, "email": b.customer.email},
        "notification": {
            "status": b.notification_status,
            "sent_at": iso(b.notification_sent_at) if b.notification_sent_at else None,
        },
    }


def notice_view(n: Notice) -> dict[str, Any]:
    return {
        "booking_id": n.booking_id,
        "to": n.to,
        "subject": n.subject,
        "text": n.text,
        "html": n.html,
        "sent_at": iso(n.sent_at),
    }
