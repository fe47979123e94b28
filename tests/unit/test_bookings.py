"""Bookings on the service layer: idempotency, payment, hold state (in-memory store, manual clock)."""

from __future__ import annotations

import asyncio

import pytest

from api.domain.errors import (
    BookingNotFound,
    ConfirmationNotReady,
    HoldAlreadyBooked,
    HoldExpired,
    HoldReleased,
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    PaymentDeclined,
)
from api.service.views import NotificationView, SeatCounts
from tests.support.builders import (
    World,
    book,
    booking_request,
    create_hold,
    make_world,
    read_booking,
    read_confirmation,
    release,
    view_hold,
)


async def _hold(w: World, seats: list[str]) -> str:
    return str((await create_hold(w, w.show_id, seats)).hold.hold_id)


async def test_booking_moves_the_held_seats_to_booked_and_charges_once() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["A1", "A2"])
    result = await book(w, "key-1", booking_request(hold_id))
    assert result.created
    assert not result.replayed
    body = result.booking
    assert body.status == "confirmed"
    assert body.seat_ids == ("A1", "A2")
    show = await w.services.catalog.get_show(w.show_id)
    assert body.total_cents == 2 * show.price_cents
    assert body.reference.startswith("MTB-")
    assert len(body.reference) == 10
    assert body.notification == NotificationView(status="pending", sent_at=None)
    assert (await w.services.catalog.seat_map(w.show_id)).counts == SeatCounts(available=118, held=0, booked=2)
    assert (await view_hold(w, hold_id)).status == "booked"
    assert w.payments.calls == 1
    assert [e.type for e in w.store.outbox] == ["booking_confirmed"]


async def test_same_key_and_same_body_replays_the_first_response() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["B1"])
    first = await book(w, "key-2", booking_request(hold_id))
    again = await book(w, "key-2", booking_request(hold_id))
    assert again.replayed
    assert again.booking == first.booking
    assert len(w.store.bookings) == 1
    assert w.payments.calls == 1


async def test_same_key_with_a_different_body_is_refused() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["C1"])
    await book(w, "key-3", booking_request(hold_id))
    with pytest.raises(IdempotencyKeyReused):
        await book(w, "key-3", booking_request(hold_id, name="Someone Else"))


async def test_same_key_while_the_first_request_is_in_flight_is_refused() -> None:
    w = await make_world(slow_ms=200)
    hold_id = await _hold(w, ["D1"])
    first = asyncio.create_task(book(w, "key-4", booking_request(hold_id, token="tok_slow")))
    await asyncio.sleep(0.05)
    with pytest.raises(IdempotencyRequestInProgress):
        await book(w, "key-4", booking_request(hold_id, token="tok_slow"))
    assert (await first).created


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (None, IdempotencyKeyMissing),
        ("", IdempotencyKeyMissing),
        ("x" * 256, IdempotencyKeyInvalid),
        ("tab\there", IdempotencyKeyInvalid),
        ("caf\u00e9", IdempotencyKeyInvalid),
    ],
)
async def test_bad_idempotency_keys_are_refused(key: str | None, error: type[Exception]) -> None:
    w = await make_world()
    hold_id = await _hold(w, ["E1"])
    with pytest.raises(error):
        await book(w, key, booking_request(hold_id))
    assert w.payments.calls == 0


async def test_a_declined_card_keeps_the_hold_and_the_key_can_be_retried() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["F1"])
    with pytest.raises(PaymentDeclined):
        await book(w, "key-5", booking_request(hold_id, token="tok_chargeDeclined"))
    assert (await view_hold(w, hold_id)).status == "active"
    ok = await book(w, "key-6", booking_request(hold_id))
    assert ok.created
    # the declined key left nothing behind: the same body may be retried under it
    with pytest.raises(HoldAlreadyBooked):
        await book(w, "key-5", booking_request(hold_id, token="tok_chargeDeclined"))


async def test_booking_an_expired_hold_is_refused_and_nothing_is_charged() -> None:
    w = await make_world(hold_ttl=60)
    hold_id = await _hold(w, ["G1"])
    w.clock.advance(61)
    with pytest.raises(HoldExpired):
        await book(w, "key-7", booking_request(hold_id))
    assert w.payments.calls == 0
    assert w.store.bookings == {}


async def test_booking_a_booked_hold_with_a_new_key_is_refused() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["H1"])
    await book(w, "key-8", booking_request(hold_id))
    with pytest.raises(HoldAlreadyBooked):
        await book(w, "key-9", booking_request(hold_id))
    assert len(w.store.bookings) == 1


async def test_booking_a_released_hold_is_refused() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["J1"])
    await release(w, hold_id)
    with pytest.raises(HoldReleased):
        await book(w, "key-10", booking_request(hold_id))


async def test_a_hold_expiring_during_payment_is_refunded() -> None:
    w = await make_world(hold_ttl=60, slow_ms=10)
    hold_id = await _hold(w, ["J2"])
    w.clock.advance(59)
    original = w.payments.charge

    async def charge_then_time_passes(**kwargs: object) -> object:
        charge = await original(**kwargs)  # type: ignore[arg-type]
        w.clock.advance(5)
        return charge

    w.payments.charge = charge_then_time_passes  # type: ignore[method-assign,assignment]
    with pytest.raises(HoldExpired):
        await book(w, "key-11", booking_request(hold_id))
    assert len(w.payments.refunds) == 1
    assert w.store.bookings == {}


async def test_confirmation_is_sent_once_and_rendered_with_the_booking_details() -> None:
    w = await make_world()
    hold_id = await _hold(w, ["A5", "A6"])
    booking = (await book(w, "key-12", booking_request(hold_id))).booking
    with pytest.raises(ConfirmationNotReady):
        await read_confirmation(w, booking.booking_id)
    first = await w.services.notifications.send_confirmation(booking.booking_id)
    second = await w.services.notifications.send_confirmation(booking.booking_id)
    assert (first.sent, second.sent) == (True, False)
    notice = await read_confirmation(w, booking.booking_id)
    assert booking.reference in notice.subject
    assert "A5, A6" in notice.text
    assert "<h1>" in notice.html
    assert notice.to == "ada@example.com"
    view = await read_booking(w, booking.booking_id)
    assert view.notification.status == "sent"


async def test_unknown_booking_is_not_found() -> None:
    w = await make_world()
    with pytest.raises(BookingNotFound):
        await read_booking(w, "bkg_missing")
