"""Confirmation notices: render the (mock) e-mail for a booking and record it as sent, once."""

from __future__ import annotations

import hashlib
import hmac
import html
from dataclasses import dataclass

from api.domain.errors import BookingNotFound
from api.domain.model import Booking, Notice
from api.service.catalog import CatalogService
from api.service.ports import BookingStore, Clock
from api.service.views import iso


@dataclass(frozen=True)
class SendResult:
    booking_id: str
    sent: bool  # False when the notice had already been sent (a duplicate delivery)


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency}"


def verification_code(signing_key: str, booking: Booking) -> str:
    """HMAC-SHA256 of the booking id and reference: staff can check a confirmation was issued by us."""
    mac = hmac.new(signing_key.encode(), f"{booking.id}:{booking.reference}".encode(), hashlib.sha256)
    return mac.hexdigest()[:16].upper()


def render_notice(
    booking: Booking, movie_title: str, starts_at: str, screen: str, sent_at_iso: str, code: str
) -> tuple[str, str, str]:
    """Return (subject, text, html) of the confirmation e-mail."""
    seats = ", ".join(booking.seat_ids)
    total = _money(booking.total_cents, booking.currency)
    subject = f"Your tickets for {movie_title} - booking {booking.reference}"
    text = (
        f"Hello {booking.customer.name},\n\n"
        f"Your booking {booking.reference} is confirmed.\n"
        f"Movie: {movie_title}\nWhen: {starts_at} (UTC)\nScreen: {screen}\n"
        f"Seats: {seats}\nTotal: {total}\n"
        f"Verification code: {code}\n\n"
        "Show this reference at the entrance. Enjoy the film!\n"
    )
    e = html.escape
    body = (
        f"<h1>Booking {e(booking.reference)} confirmed</h1>"
        f"<p>Hello {e(booking.customer.name)},</p>"
        "<table>"
        f"<tr><th>Movie</th><td>{e(movie_title)}</td></tr>"
        f"<tr><th>When</th><td>{e(starts_at)} (UTC)</td></tr>"
        f"<tr><th>Screen</th><td>{e(screen)}</td></tr>"
        f"<tr><th>Seats</th><td>{e(seats)}</td></tr>"
        f"<tr><th>Total</th><td>{e(total)}</td></tr>"
        f"<tr><th>Verification code</th><td><code>{e(code)}</code></td></tr>"
        "</table>"
        f"<p><small>Sent {e(sent_at_iso)}</small></p>"
    )
    return subject, text, body


class NotificationService:
    def __init__(self, store: BookingStore, catalog: CatalogService, clock: Clock, *, signing_key: str) -> None:
        self._signing_key = signing_key
        self._store = store
        self._catalog = catalog
        self._clock = clock

    async def send_confirmation(self, booking_id: str) -> SendResult:
        """Render and store the notice, set notification=sent. A second delivery has no effect."""
        booking = await self._store.get_booking(booking_id)
        if booking is None:
            raise BookingNotFound(f"No booking has id {booking_id!r}.")
        if booking.notification_status == "sent":
            return SendResult(booking_id, sent=False)
        show = await self._catalog.get_show(booking.show_id)
        movie = await self._catalog.get_movie(show.movie_id)
        now = self._clock.now()
        subject, text, body = render_notice(
            booking,
            movie.title,
            iso(show.starts_at),
            show.screen,
            iso(now),
            verification_code(self._signing_key, booking),
        )
        notice = Notice(booking.id, booking.customer.email, subject, text, body, now)
        changed = await self._store.mark_notified(booking.id, notice)
        return SendResult(booking_id, sent=changed)
