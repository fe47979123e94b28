"""/api/waiting-room: the hold path's line (ADR 0022), for the web UI and `labctl load`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.http.deps import RoomDep
from api.http.responses import json_response
from api.http.schemas import WaitingRoomOut

router = APIRouter(tags=["waiting room"])


@router.get("/waiting-room", response_model=WaitingRoomOut)
async def waiting_room(room: RoomDep) -> Response:
    """Whether the waiting room is on, and how many tickets wait (issued - serving)."""
    return json_response(await room.view(), headers={"Cache-Control": "no-store"})
