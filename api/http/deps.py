"""FastAPI dependencies, declared once: each router gets the one service it uses.

async on purpose: FastAPI runs a sync dependency in a worker thread (a thread hop per request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.bootstrap import Services
from api.service.admission import WaitingRoom
from api.service.bookings import BookingService
from api.service.catalog import CatalogService
from api.service.holds import HoldService


async def get_services(request: Request) -> Services:
    """Every service (readiness probes only)."""
    services: Services = request.app.state.services
    return services


async def get_catalog(request: Request) -> CatalogService:
    return (await get_services(request)).catalog


async def get_holds(request: Request) -> HoldService:
    return (await get_services(request)).holds


async def get_bookings(request: Request) -> BookingService:
    return (await get_services(request)).bookings


async def get_room(request: Request) -> WaitingRoom:
    return (await get_services(request)).room


ServicesDep = Annotated[Services, Depends(get_services)]
CatalogDep = Annotated[CatalogService, Depends(get_catalog)]
HoldsDep = Annotated[HoldService, Depends(get_holds)]
BookingsDep = Annotated[BookingService, Depends(get_bookings)]
RoomDep = Annotated[WaitingRoom, Depends(get_room)]


_hold_bearer = HTTPBearer(
    scheme_name="holdToken", description="The `hold_token` of a new hold (shown once).", auto_error=False
)
_booking_bearer = HTTPBearer(
    scheme_name="bookingToken", description="The `booking_token` of a new booking.", auto_error=False
)


def _presented(request: Request, creds: HTTPAuthorizationCredentials | None) -> str | None:
    """The bearer token; an Authorization header of another shape is presented as is, so it fails the
    comparison (403) instead of passing for no credentials at all."""
    return creds.credentials if creds else request.headers.get("authorization")


async def hold_token(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_hold_bearer)]
) -> str | None:
    """`Authorization: Bearer <hold_token>`, or None (the service answers 401 where one is needed)."""
    return _presented(request, creds)


async def booking_token(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_booking_bearer)]
) -> str | None:
    return _presented(request, creds)


async def client_of(request: Request) -> str:
    """The caller's identity for the per-client limits (api/http/client_id.py)."""
    client = getattr(request.state, "client", None)
    return str(client) if client else f"ip:{request.client.host if request.client else 'unknown'}"


HoldTokenDep = Annotated[str | None, Depends(hold_token)]
BookingTokenDep = Annotated[str | None, Depends(booking_token)]
ClientDep = Annotated[str, Depends(client_of)]
