"""/api/bookings: idempotent booking with a mock payment; booking and confirmation lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from api.http.deps import ServicesDep
from api.http.responses import errors, json_response
from api.http.schemas import BookingIn, BookingOut, NoticeOut
from api.service.bookings import BookingRequest

router = APIRouter(prefix="/bookings", tags=["bookings"])
BookingId = Annotated[str, Path(min_length=1, max_length=128)]


@router.post("", status_code=201, response_model=BookingOut, responses=errors(400, 402, 404, 409, 422))
async def create_booking(
    body: BookingIn,
    services: ServicesDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", description="1-255 printable chars")] = None,
) -> Response:
    """Book an active hold. Same key + same body replays the first response (Idempotent-Replayed: true)."""
    result = await services.bookings.book(
        idempotency_key,
        BookingRequest(body.hold_id, body.customer.name, body.customer.email, body.payment.token),
    )
    headers = {"Location": f"/api/bookings/{result.body['booking_id']}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(result.body, status=result.status, headers=headers)


@router.get("/{booking_id}", response_model=BookingOut, responses=errors(404, 422))
async def get_booking(booking_id: BookingId, services: ServicesDep) -> Response:
    """A booking with its notification status (pending until the booking-events handler ran)."""
    return json_response(await services.bookings.get(booking_id))


@router.get("/{booking_id}/confirmation", response_model=NoticeOut, responses=errors(404, 422))
async def get_confirmation(booking_id: BookingId, services: ServicesDep) -> Response:
    """The rendered confirmation e-mail (mock)."""
    return json_response(await services.bookings.confirmation(booking_id))
