"""Booking use case: idempotent, charge once, seats held->booked in one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from api.domain import capability
from api.domain.errors import (
    BookingNotFound,
    BookingTokenInvalid,
    BookingTokenRequired,
    ConfirmationNotReady,
    DomainError,
    HoldAlreadyBooked,
    HoldExpired,
    HoldReleased,
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
)
from api.domain.model import Booking, Customer, Hold, HoldStatus
from api.service.catalog import CatalogService
from api.service.holds import HoldService
from api.service.ids import new_id, new_reference
from api.service.ports import (
    BookingCommit,
    BookingStore,
    Clock,
    EventPublisher,
    IdempotencyInProgress,
    IdempotencyMismatch,
    IdempotencyReplay,
    OutboxEvent,
    PaymentGateway,
)
from api.service.views import BookingPlaced, BookingView, NoticeView, booking_view, iso, issued_booking, notice_view

IDEMPOTENCY_LOCK_SECONDS = 60  # a claim older than this (crashed request) may be taken over


@dataclass(frozen=True)
class BookingRequest:
    hold_id: str
    customer_name: str
    customer_email: str
    payment_token: str

    def fingerprint(self) -> str:
        body = {
            "hold_id": self.hold_id,
            "customer": {"name": self.customer_name, "email": self.customer_email},
            "payment": {"token": self.payment_token},
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def validate_idempotency_key(key: str | None) -> str:
    """1-255 printable ASCII characters (the IETF draft allows any string; we keep logs safe)."""
    if key is None or key == "":
        raise IdempotencyKeyMissing()
    if len(key) > 255 or not all(32 <= ord(c) < 127 for c in key):
        raise IdempotencyKeyInvalid()
    return key


class BookingService:
    def __init__(
        self,
        store: BookingStore,
        holds: HoldService,
        catalog: CatalogService,
        payments: PaymentGateway,
        clock: Clock,
        events: EventPublisher,
    ) -> None:
        self._store = store
        self._holds = holds
        self._catalog = catalog
        self._payments = payments
        self._clock = clock
        self._events = events

    async def book(
        self, idempotency_key: str | None, request: BookingRequest, *, hold_token: str | None, client: str | None = None
    ) -> BookingPlaced:
        """Book the seats of an active hold (its holder only), exactly once per Idempotency-Key.

        The hold token is checked before the key is looked up, so a replay answers only the hold's holder.
        """
        key = validate_idempotency_key(idempotency_key)
        limits = self._holds.limits
        if limits is not None and client is not None:
            limits.rate.take(client, "booking", limits.booking_rate)
        hold = await self._holds.authorized(request.hold_id, hold_token)
        token = str(hold_token)  # authorized() refused a missing one
        now = self._clock.now()
        outcome = await self._store.begin_idempotent(key, request.fingerprint(), now, IDEMPOTENCY_LOCK_SECONDS)
        if isinstance(outcome, IdempotencyReplay):
            view = outcome.booking
            return BookingPlaced(issued_booking(view, capability.derive(token, view.booking_id)), replayed=True)
        if isinstance(outcome, IdempotencyMismatch):
            raise IdempotencyKeyReused()
        if isinstance(outcome, IdempotencyInProgress):
            raise IdempotencyRequestInProgress()
        try:
            return await self._book_claimed(key, outcome.owner, request, hold, token)
        except DomainError:
            # Nothing was stored for this key: the client may retry with the same key.
            await self._store.abandon_idempotent(key, outcome.owner)
            raise

    async def _book_claimed(
        self, key: str, owner: str, request: BookingRequest, hold: Hold, hold_token: str
    ) -> BookingPlaced:
        now = self._clock.now()
        status = hold.status(now)
        if status is HoldStatus.BOOKED:
            raise HoldAlreadyBooked(evidence={"booking_id": hold.booking_id})
        if status is HoldStatus.RELEASED:
            raise HoldReleased()
        if status is HoldStatus.EXPIRED:
            raise HoldExpired(details={"expired_at": iso(hold.expires_at)})
        show = await self._catalog.get_show(hold.show_id)
        total = show.price_cents * len(hold.seat_ids)
        charge = await self._payments.charge(
            amount_cents=total, currency=show.currency, token=request.payment_token, idempotency_key=key
        )
        booking_id = new_id("bkg")
        booking_token = capability.derive(hold_token, booking_id)
        booking = Booking(
            id=booking_id,
            reference=new_reference(),
            show_id=hold.show_id,
            hold_id=hold.id,
            seat_ids=hold.seat_ids,
            total_cents=total,
            currency=show.currency,
            customer=Customer(request.customer_name, request.customer_email),
            payment_id=charge.id,
            created_at=self._clock.now(),
            token_digest=capability.digest(booking_token),
        )
        view = booking_view(booking)
        event = OutboxEvent(
            id=new_id("evt"),
            type="booking_confirmed",
            payload={"booking_id": booking.id, "reference": booking.reference, "show_id": booking.show_id},
            created_at=booking.created_at,
        )
        try:
            await self._store.commit_booking(BookingCommit(booking, key, owner, view, event, self._clock.now()))
        except (HoldExpired, HoldAlreadyBooked, HoldReleased):
            await self._payments.refund(charge)
            raise
        self._catalog.booked(hold, booking.id)
        if self._holds.limits is not None:
            self._holds.limits.seats.done(hold.id)
        await self._events.publish(event)
        return BookingPlaced(issued_booking(view, booking_token), replayed=False)

    async def get(self, booking_id: str, token: str | None) -> BookingView:
        """A booking, for the holder of its token only (it carries the customer's name and e-mail)."""
        if not token:
            raise BookingTokenRequired()
        booking = await self._store.get_booking(booking_id)
        if booking is None:
            raise BookingNotFound(f"No booking has id {booking_id[:64]!r}.")
        if not capability.matches(token, booking.token_digest):
            raise BookingTokenInvalid()
        return booking_view(booking)

    async def confirmation(self, booking_id: str, token: str | None) -> NoticeView:
        await self.get(booking_id, token)
        notice = await self._store.get_notice(booking_id)
        if notice is None:
            raise ConfirmationNotReady()
        return notice_view(notice)
