"""/api/shows: show details, live seat map, seat holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from api.http.deps import CatalogDep, ClientDep, HoldsDep, RoomDep
from api.http.responses import errors, json_response
from api.http.schemas import HoldCreatedOut, HoldIn, SeatMapOut, ShowOut

router = APIRouter(prefix="/shows", tags=["shows"])
ShowId = Annotated[str, Path(min_length=1, max_length=128)]
# The waiting room's ticket, sent back as it was given (a 429 waiting_room_queued answer's details.ticket).
Ticket = Annotated[str | None, Header(alias="X-Waiting-Room-Ticket", max_length=80)]


@router.get("/{show_id}", response_model=ShowOut, responses=errors(404, 422))
async def get_show(show_id: ShowId, catalog: CatalogDep) -> Response:
    """A show with its seat counts."""
    return json_response(await catalog.show(show_id))


@router.get("/{show_id}/seats", response_model=SeatMapOut, responses=errors(404, 422))
async def seat_map(show_id: ShowId, catalog: CatalogDep) -> Response:
    """Every seat with its status; an expired hold counts as available."""
    return json_response(await catalog.seat_map(show_id), headers={"Cache-Control": "no-store"})


@router.post(
    "/{show_id}/holds", status_code=201, response_model=HoldCreatedOut, responses=errors(404, 409, 422, 429, 503)
)
async def create_hold(
    show_id: ShowId, body: HoldIn, holds: HoldsDep, room: RoomDep, client: ClientDep, ticket: Ticket = None
) -> Response:
    """Hold 1-10 seats, all or nothing, for HOLD_TTL_SECONDS; when holds are saturated, 429 and a place in line.

    The answer's `hold_token` is shown only here."""
    async with room.admit(ticket):
        created = await holds.create(show_id, body.seat_ids, client=client)
    return json_response(created.hold, status=201, headers={"Location": f"/api/holds/{created.hold.hold_id}"})
