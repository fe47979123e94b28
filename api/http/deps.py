"""FastAPI dependencies, declared once: each router gets the one service it uses.

async on purpose: FastAPI runs a sync dependency in a worker thread (a thread hop per request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
