"""Request bodies (validated by pydantic) and response models (for the OpenAPI document).

Responses are the services' views serialised by orjson (api/service/views.py); each `*Out` model forbids
unknown fields, and tests/unit/test_views_match_schemas.py validates every view against its model, so the
OpenAPI document says exactly what is served.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# ASCII only, no character classes that regex engines read differently (\s is not the same set in Python,
# Rust and ECMAScript): the OpenAPI document's pattern accepts exactly what the server accepts.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,63}$"
SEAT_ID_PATTERN = r"^[A-Z][1-9][0-9]?$"


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seat_ids: list[Annotated[str, Field(max_length=3, pattern=SEAT_ID_PATTERN)]] = Field(
        ..., min_length=1, max_length=10, examples=[["A1", "A2"]]
    )


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., max_length=254, pattern=EMAIL_PATTERN)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(..., min_length=1, max_length=64, examples=["tok_visa", "tok_chargeDeclined", "tok_slow"])


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hold_id: str = Field(..., min_length=1, max_length=128)
    customer: CustomerIn
    payment: PaymentIn


class Out(BaseModel):
    """A response model: exactly these fields (additionalProperties: false in the OpenAPI document)."""

    model_config = ConfigDict(extra="forbid")


class MovieOut(Out):
    id: str
    title: str
    synopsis: str
    duration_minutes: int
    rating: str
    genres: list[str]


class MovieList(Out):
    items: list[MovieOut]


class ShowOut(Out):
    id: str
    movie_id: str
    screen: str
    starts_at: str
    price_cents: int
    currency: str
    seats_total: int
    seats_available: int


class ShowList(Out):
    items: list[ShowOut]


class SeatOut(Out):
    id: str
    row: str
    number: int
    status: str


class SeatCountsOut(Out):
    available: int
    held: int
    booked: int


class SeatMapOut(Out):
    show_id: str
    seats: list[SeatOut]
    counts: SeatCountsOut


class HoldOut(Out):
    hold_id: str
    show_id: str
    seat_ids: list[str]
    status: str
    expires_at: str
    ttl_seconds: int
    booking_id: str | None = None


class WaitingRoomOut(Out):
    enabled: bool
    line: int
    issued: int
    serving: int
    admit_per_s: float


class HoldCreatedOut(HoldOut):
    hold_token: str = Field(description="Shown once: send it as `Authorization: Bearer` to book or release.")


class NotificationOut(Out):
    status: str
    sent_at: str | None


class CustomerOut(Out):
    name: str
    email: str


class BookingOut(Out):
    booking_id: str
    reference: str
    show_id: str
    hold_id: str
    seat_ids: list[str]
    total_cents: int
    currency: str
    status: str
    created_at: str
    customer: CustomerOut
    notification: NotificationOut


class BookingCreatedOut(BookingOut):
    booking_token: str = Field(description="Send it as `Authorization: Bearer` to read the booking.")


class NoticeOut(Out):
    booking_id: str
    to: str
    subject: str
    text: str
    html: str
    sent_at: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, object]
    request_id: str


class ErrorOut(BaseModel):
    error: ErrorBody
