"""Liveness and readiness probes (ALB health checks use /readyz).

/readyz reports each dependency as ready or degraded with a reason. Without the store nothing works:
503, and the load balancer stops sending traffic. Without SQS holds and bookings still succeed (expiry
messages are tidying, booking events wait in the outbox until the sweeper relays them), so the answer
stays 200 with status "degraded": draining every task for a queue outage would turn a delay into an outage.
`labctl status` reads the body, so a degraded queue is still visible there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from api.domain.errors import DependencyUnavailable
from api.http.deps import ServicesDep
from api.http.errors import envelope
from api.http.responses import json_response

router = APIRouter(tags=["health"])
log = logging.getLogger("api.health")
# A dependency slower than this to answer a ping is degraded, whatever it says later. Half of the 1 s
# that `labctl status` gives /readyz, so a hung queue reads "degraded (sqs: ...)" there, not "slow".
PROBE_TIMEOUT_S = 0.5


@router.get("/healthz")
async def healthz() -> Response:
    """Liveness: the process answers. No I/O."""
    return json_response({"status": "ok"})


async def check(probe: Callable[[], Awaitable[None]]) -> dict[str, str]:
    """{"status": "ready"} or {"status": "degraded", "reason": ...} for one dependency's ping."""
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_S)
    except TimeoutError:
        return {"status": "degraded", "reason": f"no answer within {PROBE_TIMEOUT_S:g} s"}
    except DependencyUnavailable as err:
        return {"status": "degraded", "reason": str(err) or type(err).__name__}
    except (OSError, RuntimeError) as err:
        return {"status": "degraded", "reason": type(err).__name__}
    return {"status": "ready"}


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """Readiness per dependency: the store (required, else 503) and the queues (degraded, still 200)."""
    probes = {services.settings.store: services.ready, **services.probes}
    results = await asyncio.gather(*(check(p) for p in probes.values()))
    deps: dict[str, Any] = dict(zip(probes, results, strict=True))
    store = deps[services.settings.store]
    degraded = {name: d["reason"] for name, d in deps.items() if d["status"] != "ready"}
    if degraded:
        log.warning("not_ready", extra={"degraded": degraded})
    if store["status"] != "ready":
        message = f"{services.settings.store} is not reachable."
        return envelope(503, "dependency_unavailable", message, {"reason": store["reason"], "dependencies": deps}, "")
    status = "degraded" if degraded else "ready"
    return json_response({"status": status, "store": services.settings.store, "dependencies": deps})
