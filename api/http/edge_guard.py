"""Pure-ASGI guard in front of the routes: only CloudFront may call, and only with canonical paths.

- Origin header: on AWS, CloudFront adds `X-Origin-Verify: <per-lab secret>` to every request it sends
  to the API (ADR 0014). With ORIGIN_VERIFY_SECRET set, a request without that value is refused (403
  origin_not_verified): it reached the ALB or the execute-api endpoint around CloudFront and its WAF.
  Probes (/healthz, /readyz) are exempt: the ALB and ECS send them without the header. Unset (the
  local lab), nothing is checked.
- Canonical paths: a percent-encoded unreserved character or slash (`/hold%73`, `%2F`) is refused (400
  non_canonical_path). The server decodes them before routing, so `/api/shows/1/hold%73` would reach
  hold creation under a name the WAF rules do not expect.

Both checks together cost 1-3 us of CPU per request (a header scan, a constant-time compare, a byte
search; `python -m labctl.local.edge_guard_bench`), under 0.1% of the API's CPU per request (ADR 0013).
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from api.http.middleware import send_error

ORIGIN_HEADER = b"x-origin-verify"
PROBES = frozenset({"/healthz", "/readyz"})
# RFC 3986 unreserved characters, plus '/': encoding them changes nothing but how a rule reads the path.
_NEEDLESS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def non_canonical(raw_path: bytes) -> bool:
    """True when the path percent-encodes a character that needs no encoding (or has a broken escape)."""
    at = raw_path.find(b"%")
    while at != -1:
        pair = raw_path[at + 1 : at + 3]
        if len(pair) != 2 or not _HEX.issuperset(pair) or int(pair, 16) in _NEEDLESS:
            return True
        at = raw_path.find(b"%", at + 3)
    return False


def raw_path_of(scope: Scope) -> bytes:
    """The path as it arrived: ASGI raw_path (uvicorn), else the Lambda event's rawPath (Mangum decodes `path`)."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw)
    event: Any = scope.get("aws.event")
    if isinstance(event, dict):
        original = event.get("rawPath") or event.get("path")
        if isinstance(original, str):
            return original.encode("utf-8", "surrogateescape")
    return str(scope.get("path", "")).encode("utf-8", "surrogateescape")


class EdgeGuardMiddleware:
    """Refuses requests that did not come through CloudFront (when a secret is set) or whose path is not canonical."""

    def __init__(self, app: ASGIApp, *, origin_secret: str | None = None) -> None:
        self.app = app
        self._secret = origin_secret.encode() if origin_secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._secret is not None and scope["path"] not in PROBES and not self._verified(scope):
                await self._refuse(
                    scope, send, 403, "origin_not_verified", "Call the API through the lab's CloudFront URL."
                )
                return
            raw = scope.get("raw_path") or raw_path_of(scope)
            if b"%" in raw and non_canonical(raw):
                await self._refuse(
                    scope,
                    send,
                    400,
                    "non_canonical_path",
                    "The path percent-encodes characters that need no encoding; send it as plain text.",
                )
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
        await send_error(send, status, code, message, str(scope.get("state", {}).get("request_id", "")))

    def _verified(self, scope: Scope) -> bool:
        assert self._secret is not None
        for name, value in scope.get("headers", ()):
            if name == ORIGIN_HEADER:
                return hmac.compare_digest(bytes(value), self._secret)
        return False
