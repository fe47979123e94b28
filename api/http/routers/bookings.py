"""/api/bookings: idempotent booking with a mock payment; booking and confirmation lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from api.http.deps import BookingsDep
from api.http.responses import errors, json_response
from api.http.schemas import BookingIn, BookingOut, NoticeOut
from api.service.bookings import BookingRequest

router = APIRouter(prefix="/bookings", tags=["bookings"])
BookingId = Annotated[str, Path(min_length=1, max_length=128)]


@router.post("", status_code=201, response_model=BookingOut, responses=errors(400, 402, 404, 409, 422, 503))
async def create_booking(
    body: BookingIn,
    bookings: BookingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", description="1-255 printable chars")] = None,
) -> Response:
    """Book an active hold. Same key + same body replays the first response (Idempotent-Replayed: true)."""
    placed = await bookings.book(
        idempotency_key,
        BookingRequest(body.hold_id, body.customer.name, body.customer.email, body.payment.token),
    )
    headers = {"Location": f"/api/bookings/{placed.booking.booking_id}"}
    if placed.replayed:
        headers["Idempotent-Replayed"] = "true"  # only a created booking is stored, so a replay is a 201 too
    return json_response(placed.booking, status=201, headers=headers)


@router.get("/{booking_id}", response_model=BookingOut, responses=errors(404, 422))
async def get_booking(booking_id: BookingId, bookings: BookingsDep) -> Response:
    """A booking with its notification status (pending until the booking-events handler ran)."""
    return json_response(await bookings.get(booking_id))


@router.get("/{booking_id}/confirmation", response_model=NoticeOut, responses=errors(404, 422))
async def get_confirmation(booking_id: BookingId, bookings: BookingsDep) -> Response:
    """The rendered confirmation e-mail (mock)."""
    return json_response(await bookings.confirmation(booking_id))
