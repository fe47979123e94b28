"""/api/holds: look up or release a hold."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.http.deps import HoldsDep, HoldTokenDep
from api.http.responses import errors, json_response
from api.http.schemas import HoldOut

router = APIRouter(prefix="/holds", tags=["holds"])
HoldId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/{hold_id}", response_model=HoldOut, responses=errors(403, 404, 422))
async def get_hold(hold_id: HoldId, holds: HoldsDep, token: HoldTokenDep) -> Response:
    """A hold and its status: active, expired, released or booked (its booking id only with its token)."""
    return json_response(await holds.view(hold_id, token))


@router.delete("/{hold_id}", status_code=204, responses=errors(401, 403, 404, 422, 503))
async def release_hold(hold_id: HoldId, holds: HoldsDep, token: HoldTokenDep) -> Response:
    """Release the seats now (repeatable); needs the hold's token."""
    await holds.release(hold_id, token)
    return Response(status_code=204)
