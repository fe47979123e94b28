"""/api/holds: look up or release a hold."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.http.deps import HoldsDep
from api.http.responses import errors, json_response
from api.http.schemas import HoldOut

router = APIRouter(prefix="/holds", tags=["holds"])
HoldId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/{hold_id}", response_model=HoldOut, responses=errors(404, 422))
async def get_hold(hold_id: HoldId, holds: HoldsDep) -> Response:
    """A hold and its status: active, expired, released or booked."""
    return json_response(await holds.view(hold_id))


@router.delete("/{hold_id}", status_code=204, responses=errors(404, 422, 503))
async def release_hold(hold_id: HoldId, holds: HoldsDep) -> Response:
    """Release the seats now (repeatable)."""
    await holds.release(hold_id)
    return Response(status_code=204)
