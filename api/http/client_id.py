"""Who a client is, without accounts: a signed cookie the API issues, else the caller's IP address.

The per-client limits (api/service/limits.py) key on this identity (ADR 0021). A browser, or a load-test
user with its own cookie jar, gets `labctl_client=<id>.<mac>` on its first API answer and is its own
client from then on. A caller that keeps no cookies (curl, a script) or presents a forged one is keyed by
its IP address, which every such caller behind that address shares: the stricter fallback. New
identities are themselves rate-limited per IP, so dropping the cookie to start afresh does not pay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.service.limits import Rate, RateLimiter
from api.service.ports import Clock

COOKIE = "labctl_client"
MAX_AGE_S = 86_400
_COOKIE_PREFIX = COOKIE.encode() + b"="


def _mac(key: bytes, client_id: str) -> str:
    mac = hmac.new(key, client_id.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def signed_cookie_value(key: bytes, client_id: str) -> str:
    return f"{client_id}.{_mac(key, client_id)}"


def verified_client(key: bytes, cookie_header: bytes) -> str | None:
    """The client id of a validly signed cookie in a Cookie header, else None."""
    for part in cookie_header.split(b";"):
        part = part.strip()
        if part.startswith(_COOKIE_PREFIX):
            value = part[len(_COOKIE_PREFIX) :].decode("latin-1")
            client_id, _, mac = value.partition(".")
            if client_id and mac and hmac.compare_digest(mac, _mac(key, client_id)):
                return client_id
    return None


class ClientIdMiddleware:
    """Put the caller's identity in `scope["state"]["client"]`; issue a cookie to a caller without one."""

    def __init__(
        self, app: ASGIApp, *, signing_key: Callable[[], str], clock: Callable[[], Clock], new_per_ip: Rate
    ) -> None:
        self.app = app
        self._signing_key = signing_key
        self._clock = clock
        self._new_per_ip = new_per_ip
        self._key: bytes | None = None
        self._issued: RateLimiter | None = None

    def _ready(self) -> tuple[bytes, RateLimiter]:
        # Resolved at the first request: on AWS the key is read from Secrets Manager while services start.
        if self._key is None or self._issued is None:
            root = self._signing_key().encode()
            self._key = hmac.new(root, b"labctl client identity", hashlib.sha256).digest()
            self._issued = RateLimiter(self._clock())
        return self._key, self._issued

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        key, issued = self._ready()
        cookie = b";".join(v for k, v in scope.get("headers", []) if k == b"cookie")
        client_id = verified_client(key, cookie) if cookie else None
        ip = (scope.get("client") or ("unknown", 0))[0]
        new_cookie: str | None = None
        if client_id is None and not issued.allow(f"ip:{ip}", "identity", self._new_per_ip):
            new_cookie = signed_cookie_value(key, secrets.token_urlsafe(16))
        # The request that is handed a cookie still counts as its IP's: the stricter side.
        scope.setdefault("state", {})["client"] = f"c:{client_id}" if client_id else f"ip:{ip}"
        if new_cookie is None:
            await self.app(scope, receive, send)
            return
        secure = "; Secure" if over_tls(scope) else ""
        set_cookie = f"{COOKIE}={new_cookie}; Path=/api; Max-Age={MAX_AGE_S}; HttpOnly; SameSite=Strict{secure}"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", set_cookie.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def over_tls(scope: Scope) -> bool:
    """Served over TLS here, or behind a TLS front door that says so (CloudFront, the ALB)."""
    if scope.get("scheme") == "https":
        return True
    return any(k == b"x-forwarded-proto" and v == b"https" for k, v in scope.get("headers", []))
