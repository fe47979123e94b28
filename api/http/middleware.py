"""Pure-ASGI request middleware: request id, access log line, latency, fault injection (errors, slowness).

Pure ASGI (not BaseHTTPMiddleware) because it sits on every request of the hot path.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("api.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

RequestObserver = Callable[[str, str, int, float, str | None], None]  # route, method, status, ms, error code


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        fault_5xx_rate: float = 0.0,
        fault_latency_ms: int = 0,
        observers: list[RequestObserver] | None = None,
    ) -> None:
        self.app = app
        self.fault_5xx_rate = fault_5xx_rate
        self.fault_latency_s = fault_latency_ms / 1000
        self.observers = observers if observers is not None else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        error_code: str | None = None
        started_response = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, error_code, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                headers = list(message.get("headers", []))
                for k, v in headers:
                    if k == b"x-error-code":
                        error_code = v.decode()
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            if self.fault_latency_s and scope["path"].startswith("/api/"):
                await asyncio.sleep(self.fault_latency_s)  # FAULT_LATENCY_MS: health checks stay fast
            if self.fault_5xx_rate and scope["path"].startswith("/api/") and random.random() < self.fault_5xx_rate:
                await _injected_fault(send_wrapper, request_id)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception:  # the outermost boundary: a bug becomes a clean 500 envelope, logged once
            log.exception("unhandled_error", extra={"request_id": request_id, "path": scope["path"]})
            if started_response:
                raise
            await send_error(
                send_wrapper, 500, "internal_error", "Something went wrong on our side; it has been logged.", request_id
            )
        finally:
            latency_ms = (time.perf_counter() - started) * 1000
            route_obj: Any = scope.get("route")
            route = getattr(route_obj, "path", None) or ("unmatched" if status == 404 else scope["path"])
            if scope["path"].startswith("/api/") and route.startswith("/") and not route.startswith("/api"):
                route = "/api" + route  # routers included with prefix="/api" keep their own template
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": round(latency_ms, 2),
                    "error_code": error_code,
                    **scope["state"].get("error_log", {}),  # a refusal's details and evidence (api/http/errors.py)
                },
            )
            for observe in self.observers:
                observe(route, scope["method"], status, latency_ms, error_code)


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            try:
                return str(v.decode("latin-1"))
            except UnicodeDecodeError:
                return None
    return None


async def _injected_fault(send: Callable[[Message], Any], request_id: str) -> None:
    """FAULT_5XX_RATE: a deliberate 503 so the learner can watch error budgets burn."""
    await send_error(send, 503, "injected_fault", "Fault injected by FAULT_5XX_RATE.", request_id, retry_after_s=1)


async def send_error(
    send: Callable[[Message], Any],
    status: int,
    code: str,
    message: str,
    request_id: str,
    *,
    retry_after_s: int | None = None,
) -> None:
    """Answer with the JSON error envelope from ASGI middleware (before any route or handler runs)."""
    body = orjson.dumps({"error": {"code": code, "message": message, "details": {}, "request_id": request_id}})
    headers = [(b"content-type", b"application/json"), (b"x-error-code", code.encode())]
    if retry_after_s is not None:
        headers.append((b"retry-after", str(retry_after_s).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
