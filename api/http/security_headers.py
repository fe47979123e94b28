"""Security headers on every answer of the origin (CloudFront sets the same ones at the edge on AWS).

The API's JSON may run nothing and be framed by nothing; the web UI and the API docs page load their
scripts, styles and images from this origin only (the docs' Swagger UI assets are served from the
installed package, not a CDN). HSTS only when the request came over TLS: on plain-HTTP localhost it
would pin the browser to an https that does not exist.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.client_id import over_tls

API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The same policy as CloudFront's (infra/stacks/edge.py): the pages behave alike locally and on AWS.
PAGE_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    b"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = API_CSP if path.startswith("/api/") and not path.startswith("/api/docs") else PAGE_CSP
        extra = [*COMMON, (b"content-security-policy", csp)]
        if over_tls(scope):
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
