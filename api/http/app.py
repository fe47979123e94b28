"""FastAPI app factory: `uvicorn --factory api.http.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from api.bootstrap import Services, build_services
from api.http import docs_page, errors, openapi
from api.http.client_id import ClientIdMiddleware
from api.http.edge_guard import EdgeGuardMiddleware
from api.http.limits import RequestLimitsMiddleware
from api.http.logging_json import configure as configure_logging
from api.http.metrics import EmfObserver
from api.http.middleware import RequestContextMiddleware, RequestObserver
from api.http.routers import bookings, fallback, health, holds, movies, shows, waiting_room
from api.http.security_headers import SecurityHeadersMiddleware
from api.service.limits import Rate
from api.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    observers: list[RequestObserver] | None = None,
) -> FastAPI:
    """Build the app. Services are created in the lifespan (once per process) unless injected (tests)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await build_services(settings, long_running=True)
        try:
            yield
        finally:
            if owned:
                await app.state.services.aclose()

    app = FastAPI(
        title="Movie booking API",
        version="1.0.0",
        description="Browse movies and showtimes, hold seats atomically, book idempotently (labctl lab).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # api/http/docs_page.py: self-hosted assets, no inline script
        redoc_url=None,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services  # injected: usable even when no lifespan runs (Lambda)
    for module in (movies, shows, holds, bookings, waiting_room):
        app.include_router(module.router, prefix="/api")
    app.openapi = openapi.strict(app)  # type: ignore[method-assign]
    docs_page.install(app)
    fallback.install(app)
    app.include_router(health.router)
    errors.install(app)
    # One EMF line per API request (a structured log and a CloudWatch metric at once); tests may pass [].
    wired: list[RequestObserver] = list(observers) if observers is not None else [EmfObserver(settings)]
    for observer in wired:
        if isinstance(observer, EmfObserver):
            observer.learn_routes(app)
    # Inside the request context (added first = inner): refusals get a request id, a log line and a metric.
    # Lambda resolves the origin secret while building its services, so theirs is the one to read.
    origin_secret = (services.settings if services is not None else settings).origin_verify_secret
    # Outermost last: security headers on every answer; the request id on every refusal; limits before
    # the origin check reads a header; the client's identity just before the routes.
    app.add_middleware(
        ClientIdMiddleware,
        signing_key=lambda: app.state.services.settings.confirmation_signing_key,
        clock=lambda: app.state.services.clock,
        new_per_ip=Rate(settings.new_clients_per_ip_burst, settings.new_clients_per_ip_per_s),
    )
    app.add_middleware(EdgeGuardMiddleware, origin_secret=origin_secret)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(
        RequestContextMiddleware,
        fault_5xx_rate=settings.fault_5xx_rate,
        fault_latency_ms=settings.fault_latency_ms,
        observers=wired,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.web_dir is not None:
        web = Path(settings.web_dir)
        app.mount("/", StaticFiles(directory=web, html=True, check_dir=True), name="web")
    return app
