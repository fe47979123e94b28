"""/api/bookings: idempotent booking with a mock payment; booking and confirmation lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from api.http.deps import BookingsDep, BookingTokenDep, ClientDep, HoldTokenDep
from api.http.responses import errors, json_response
from api.http.schemas import BookingCreatedOut, BookingIn, BookingOut, NoticeOut
from api.service.bookings import BookingRequest

router = APIRouter(prefix="/bookings", tags=["bookings"])
BookingId = Annotated[str, Path(min_length=1, max_length=128)]


@router.post(
    "",
    status_code=201,
    response_model=BookingCreatedOut,
    responses=errors(400, 401, 402, 403, 404, 409, 422, 429, 503),
)
async def create_booking(
    body: BookingIn,
    bookings: BookingsDep,
    token: HoldTokenDep,
    client: ClientDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", description="1-255 printable chars")] = None,
) -> Response:
    """Book an active hold with its token. Same key + same body replays the first answer (Idempotent-Replayed)."""
    placed = await bookings.book(
        idempotency_key,
        BookingRequest(body.hold_id, body.customer.name, body.customer.email, body.payment.token),
        hold_token=token,
        client=client,
    )
    headers = {"Location": f"/api/bookings/{placed.booking.booking_id}"}
    if placed.replayed:
        headers["Idempotent-Replayed"] = "true"  # only a created booking is stored, so a replay is a 201 too
    return json_response(placed.booking, status=201, headers=headers)


@router.get("/{booking_id}", response_model=BookingOut, responses=errors(401, 403, 404, 422))
async def get_booking(booking_id: BookingId, bookings: BookingsDep, token: BookingTokenDep) -> Response:
    """A booking with its notification status (pending until the booking-events handler ran); needs its token."""
    return json_response(await bookings.get(booking_id, token))


@router.get("/{booking_id}/confirmation", response_model=NoticeOut, responses=errors(401, 403, 404, 422))
async def get_confirmation(booking_id: BookingId, bookings: BookingsDep, token: BookingTokenDep) -> Response:
    """The rendered confirmation e-mail (mock); needs the booking's token."""
    return json_response(await bookings.confirmation(booking_id, token))
