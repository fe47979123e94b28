"""The one error envelope: {"error": {"code", "message", "details", "request_id"}}."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.domain import errors as E

STATUS_BY_TYPE: tuple[tuple[type[E.DomainError], int], ...] = (
    (E.IdempotencyKeyMissing, 400),
    (E.IdempotencyKeyInvalid, 400),
    (E.Unauthorized, 401),
    (E.PaymentDeclined, 402),
    (E.Forbidden, 403),
    (E.NotFound, 404),
    (E.Conflict, 409),
    (E.InvalidRequest, 422),
    (E.TooManyRequests, 429),
    (E.DependencyUnavailable, 503),
    (E.SeatLockContended, 503),
)
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "headers_too_large",
}
ECHO_CHARS = 64  # at most this much of a bad input is echoed back (a path, an id)


def status_for(err: E.DomainError) -> int:
    for cls, status in STATUS_BY_TYPE:
        if isinstance(err, cls):
            return status
    return 400


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def envelope(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or {}, "request_id": request_id}}
    resp = Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)
    resp.headers["X-Error-Code"] = code  # lets the access log and load tests count outcomes by code
    return resp


def _validation_details(exc: RequestValidationError) -> dict[str, Any]:
    problems = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        problems.append({"field": ".".join(loc), "problem": str(e.get("msg", "invalid")), "type": e.get("type")})
    return {"errors": problems[:20]}


def install(app: FastAPI) -> None:
    """Register handlers so every expected failure leaves as an envelope (bugs: see RequestContextMiddleware)."""

    @app.exception_handler(E.DomainError)
    async def _domain(request: Request, exc: E.DomainError) -> Response:
        # The request's one log line (RequestContextMiddleware) says what the answer was based on.
        request.state.error_log = {"error_details": exc.details, "evidence": exc.evidence} if exc.evidence else {}
        message = exc.message
        if isinstance(exc, E.DependencyUnavailable):
            # which backing service and operation failed is for the log line, not for the client
            request.state.error_log = {**request.state.error_log, "cause": exc.message}
            message = exc.default_message
        status = status_for(exc)
        headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else {}
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return envelope(status, exc.code, message, exc.details, request_id_of(request), headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return envelope(
            422,
            "validation_error",
            "The request is malformed: see details.errors.",
            _validation_details(exc),
            request_id_of(request),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        path = request.url.path[:ECHO_CHARS]
        message = str(exc.detail) if exc.status_code != 404 else f"No route matches {path}."
        headers = dict(exc.headers) if exc.headers else None  # e.g. Allow on a 405
        return envelope(exc.status_code, code, message, None, request_id_of(request), headers)
