"""Request metrics as CloudWatch Embedded Metric Format: one JSON line per request on stdout.

The same line is a structured log (Logs Insights can query it) and, once CloudWatch Logs ingests it
(awslogs driver on ECS, the Lambda runtime, or labctl's local shipper), a set of metrics - with no
PutMetricData call, no agent and no extra IAM. One line per request, not a per-second aggregate:
exact counts and percentiles, nothing buffered that a Lambda freeze or a SIGKILL could lose, at
~0.5 KB per request (about $0.25 of log ingestion per million requests). See docs/slo.md.

Dimensions stay low-cardinality: Service, Route (the route TEMPLATE, never the raw path), Method;
SLI counters are also published under [Service] alone so alarms need no SEARCH.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

from api.settings import Settings

BOOKINGS_ROUTE = "/api/bookings"
HOLDS_ROUTE = "/api/shows/{show_id}/holds"
CONFLICT_CODES = frozenset({"hold_already_booked", "hold_released", "idempotency_request_in_progress"})
CONTENDED = "seat_lock_contended"  # the seat locks stayed contended past the retries: its own outcome
# Status reads that are not booking traffic, like the probes: no per-route metrics (4 custom metrics each)
UNMETERED = frozenset({"/api/waiting-room"})
_PARAM = re.compile(r"\{[^}/]+\}")


def booking_outcome(route: str, method: str, status: int, error_code: str | None) -> str | None:
    """confirmed / declined / contended / failed (5xx) / hold_expired / conflict, or None when not a booking attempt."""
    if method != "POST" or route != BOOKINGS_ROUTE:
        return None
    if status == 201:
        return "confirmed"
    if error_code == "payment_declined":
        return "declined"
    if error_code == "hold_expired":
        return "hold_expired"
    if error_code in CONFLICT_CODES:
        return "conflict"
    if error_code == CONTENDED:
        return "contended"
    if status >= 500:
        return "failed"
    return None  # validation errors, unknown holds, idempotency misuse: not an attempt on a valid hold


# Outcome -> counters (all Count). Attempts on a valid, active hold = confirmed + declined + contended + failed.
_OUTCOME_COUNTERS: dict[str, dict[str, int]] = {
    "confirmed": {"BookingAttempts": 1, "BookingsConfirmed": 1},
    "declined": {"BookingAttempts": 1, "BookingsConfirmed": 0, "BookingsDeclined": 1},
    "failed": {"BookingAttempts": 1, "BookingsConfirmed": 0, "BookingsFailed": 1},
    "contended": {"BookingAttempts": 1, "BookingsConfirmed": 0, "BookingsContended": 1},
    "hold_expired": {"BookingsHoldExpired": 1},
    "conflict": {"BookingConflicts": 1},
}


class RouteNames:
    """Maps what the middleware reports (a template, or the raw path when routing never ran) to a template."""

    def __init__(self, templates: Iterable[str] = ()) -> None:
        self.templates: set[str] = set()
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        self.learn(templates)

    def learn(self, templates: Iterable[str]) -> None:
        """Add route templates such as /api/shows/{show_id}/holds."""
        for t in templates:
            if t not in self.templates and t.startswith("/"):
                self.templates.add(t)
                self._patterns.append(
                    (
                        re.compile(
                            "^" + _PARAM.sub("[^/]+", re.escape(t).replace(r"\{", "{").replace(r"\}", "}")) + "$"
                        ),
                        t,
                    )
                )
        # Literal templates first: /api/bookings must not match a {param} sibling.
        self._patterns.sort(key=lambda p: p[1].count("{"))

    def name(self, route: str) -> str | None:
        """The template for route; 'other' for unknown API paths; None for non-API traffic (health, web UI)."""
        if route in self.templates:
            return route if route.startswith("/api/") else None
        if len(route) > 1:
            # FastAPI 0.165 reports an included router's route without its prefix (/shows/{show_id}/seats)
            suffixed = [t for t in self.templates if t.endswith(route) and t.startswith("/api/")]
            if len(suffixed) == 1:
                return suffixed[0]
        for pattern, template in self._patterns:
            if pattern.match(route):
                return template if template.startswith("/api/") else None
        return "other" if route.startswith("/api/") else None


class EmfObserver:
    """A RequestObserver writing one EMF line per API request (health checks and the web UI are skipped)."""

    def __init__(self, settings: Settings, *, stream: TextIO | None = None, routes: Iterable[str] = ()) -> None:
        self.namespace = settings.metrics_namespace
        self.service = settings.service_name
        self.threshold_ms = settings.latency_threshold_ms
        self.stream = stream
        self.routes = RouteNames(routes)

    def learn_routes(self, app: Any) -> None:
        """Learn the route templates of a FastAPI app from its OpenAPI paths (call after routers are included)."""
        openapi = getattr(app, "openapi", None)
        paths: dict[str, Any] = openapi().get("paths", {}) if callable(openapi) else {}
        plain = (getattr(r, "path", None) for r in getattr(app, "routes", []))
        self.routes.learn([*paths, *(p for p in plain if isinstance(p, str))])

    def document(
        self, route: str, method: str, status: int, latency_ms: float, error_code: str | None, *, now_ms: int
    ) -> dict[str, Any] | None:
        """The EMF document of one request, or None when it is not API traffic."""
        template = self.routes.name(route)
        if template is None or template in UNMETERED:
            return None
        values: dict[str, float | int] = {
            "Requests": 1,
            "Errors5xx": int(status >= 500),
            "GoodLatency": int(latency_ms < self.threshold_ms),
            "Latency": round(latency_ms, 3),
        }
        request_metrics = [{"Name": k, "Unit": "Milliseconds" if k == "Latency" else "Count"} for k in values]
        service_counters = dict(_OUTCOME_COUNTERS.get(booking_outcome(template, method, status, error_code) or "", {}))
        if template == HOLDS_ROUTE and method == "POST" and error_code == "seats_unavailable":
            service_counters["HoldConflicts"] = 1
        if template == HOLDS_ROUTE and method == "POST" and error_code == CONTENDED:
            service_counters["HoldsContended"] = 1
        directives: list[dict[str, Any]] = [
            {
                "Namespace": self.namespace,
                "Dimensions": [["Service", "Route", "Method"], ["Service"]],
                "Metrics": request_metrics,
            }
        ]
        if service_counters:
            directives.append(
                {
                    "Namespace": self.namespace,
                    "Dimensions": [["Service"]],
                    "Metrics": [{"Name": k, "Unit": "Count"} for k in service_counters],
                }
            )
        return {
            "_aws": {"Timestamp": now_ms, "CloudWatchMetrics": directives},
            "Service": self.service,
            "Route": template,
            "Method": method,
            "status": status,
            "error_code": error_code,
            **values,
            **service_counters,
        }

    def __call__(self, route: str, method: str, status: int, latency_ms: float, error_code: str | None) -> None:
        doc = self.document(route, method, status, latency_ms, error_code, now_ms=int(time.time() * 1000))
        if doc is None:
            return
        stream = self.stream or sys.stdout  # resolved per call: pytest and uvicorn may swap sys.stdout
        stream.write(orjson.dumps(doc).decode() + "\n")
        stream.flush()
