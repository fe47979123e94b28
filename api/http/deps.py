"""FastAPI dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.bootstrap import Services


async def get_services(request: Request) -> Services:
    """async on purpose: FastAPI runs a sync dependency in a worker thread (a thread hop per request)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
