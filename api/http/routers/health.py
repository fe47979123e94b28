"""Liveness and readiness probes (ALB health checks use /readyz)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.responses import Response

from api.domain.errors import DependencyUnavailable
from api.http.deps import ServicesDep
from api.http.errors import envelope
from api.http.responses import json_response

router = APIRouter(tags=["health"])
log = logging.getLogger("api.health")


@router.get("/healthz")
async def healthz() -> Response:
    """Liveness: the process answers. No I/O."""
    return json_response({"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """Readiness: DynamoDB answers (DescribeTable)."""
    try:
        await services.ready()
    except (DependencyUnavailable, OSError, RuntimeError) as err:
        log.warning("not_ready", extra={"reason": type(err).__name__})
        return envelope(503, "dependency_unavailable", "DynamoDB is not reachable.", {"reason": type(err).__name__}, "")
    return json_response({"status": "ready", "store": services.settings.store})
