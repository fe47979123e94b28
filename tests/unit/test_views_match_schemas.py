"""Every view a service answers validates against its `*Out` schema, unknown fields forbidden, and has
exactly the schema's fields: the OpenAPI document cannot drift from what is served."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from api.http import schemas as S
from api.service import views as V
from tests.support.builders import (
    book,
    booking_request,
    create_hold,
    make_world,
    read_booking,
    read_confirmation,
    view_hold,
)

PAIRS: list[tuple[type[Any], type[BaseModel]]] = [
    (V.MovieView, S.MovieOut),
    (V.MovieList, S.MovieList),
    (V.ShowView, S.ShowOut),
    (V.ShowList, S.ShowList),
    (V.SeatView, S.SeatOut),
    (V.SeatCounts, S.SeatCountsOut),
    (V.SeatMapView, S.SeatMapOut),
    (V.HoldView, S.HoldOut),
    (V.IssuedHold, S.HoldCreatedOut),
    (V.CustomerView, S.CustomerOut),
    (V.NotificationView, S.NotificationOut),
    (V.BookingView, S.BookingOut),
    (V.IssuedBooking, S.BookingCreatedOut),
    (V.NoticeView, S.NoticeOut),
]


@pytest.mark.parametrize(("view", "schema"), PAIRS, ids=[v.__name__ for v, _ in PAIRS])
def test_each_view_has_exactly_its_schemas_fields(view: type[Any], schema: type[BaseModel]) -> None:
    assert [f.name for f in dataclasses.fields(view)] == list(schema.model_fields)
    assert schema.model_config.get("extra") == "forbid"


async def test_every_view_the_services_answer_validates_against_its_schema() -> None:
    w = await make_world()
    s = w.services
    movies = await s.catalog.list_movies()
    shows = await s.catalog.list_shows(movies.items[0].id, None)
    created = await create_hold(w, w.show_id, ["A1", "A2"])
    placed = await book(w, "k-views", booking_request(created.hold.hold_id))
    pending = await read_booking(w, placed.booking.booking_id)
    await s.notifications.send_confirmation(placed.booking.booking_id)
    answered: list[tuple[object, type[BaseModel]]] = [
        (movies, S.MovieList),
        (await s.catalog.movie(movies.items[0].id), S.MovieOut),
        (shows, S.ShowList),
        (await s.catalog.show(w.show_id), S.ShowOut),
        (await s.catalog.seat_map(w.show_id), S.SeatMapOut),
        (created.hold, S.HoldCreatedOut),
        (await view_hold(w, created.hold.hold_id), S.HoldOut),
        (placed.booking, S.BookingCreatedOut),
        (pending, S.BookingOut),
        (await read_booking(w, placed.booking.booking_id), S.BookingOut),
        (await read_confirmation(w, placed.booking.booking_id), S.NoticeOut),
    ]
    for view, schema in answered:
        body = orjson.dumps(view)
        schema.model_validate_json(body)  # raises on a missing, mistyped or unknown field
    assert orjson.loads(orjson.dumps(placed.booking))["notification"] == {"status": "pending", "sent_at": None}


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        S.SeatCountsOut.model_validate({"available": 1, "held": 0, "booked": 0, "sold": 3})
