"""Request limits at the edge of the app: header size and bytes, body size, body arrival time, HEAD.

Pure ASGI, outside the routes: a refusal costs no parsing, and is the same JSON envelope as every other
error. The front door in front of the app has limits of its own (docs/security.md); these hold wherever
the app runs, and are the only ones in the local lab.
"""

from __future__ import annotations

import asyncio
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.middleware import send_error

# Control characters other than a tab (RFC 9110 5.5); a C-speed search, not a loop over every byte in Python.
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def header_problem(headers: list[tuple[bytes, bytes]], max_bytes: int) -> tuple[int, str, str] | None:
    """(status, code, message) when the headers break a limit, else None."""
    total = sum(len(k) + len(v) + 4 for k, v in headers)
    if total > max_bytes:
        return 431, "headers_too_large", f"The request headers are {total} bytes; at most {max_bytes} are read."
    for _, value in headers:
        if _CONTROL.search(value):
            return 400, "bad_request", "A header value contains a control character."
    return None


def content_length_problem(headers: list[tuple[bytes, bytes]], max_bytes: int) -> tuple[int, str, str] | None:
    for k, v in headers:
        if k == b"content-length":
            if not v.isdigit():
                return 400, "bad_request", "Content-Length is not a number."
            if int(v) > max_bytes:
                return 413, "payload_too_large", f"The body is {int(v)} bytes; at most {max_bytes} are accepted."
    return None


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_header_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_headers = max_header_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        problem = header_problem(headers, self.max_headers) or content_length_problem(headers, self.max_body)
        if problem is not None:
            request_id = str(scope.get("state", {}).get("request_id", ""))
            await send_error(send, *problem, request_id)
            return
        if scope["method"] == "HEAD" and scope["path"].startswith("/api/"):
            scope = {**scope, "method": "GET"}  # a HEAD is the GET without its body
            send = _without_body(send)
        await self.app(scope, self._bounded(receive), send)

    def _bounded(self, receive: Receive) -> Receive:
        """A receive that refuses more than max_body bytes (413) or a body that stalls (408)."""
        seen = 0
        complete = False

        async def bounded() -> Message:
            nonlocal seen, complete
            if complete:  # after the body, receive() only waits for a disconnect: no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:
                raise HTTPException(408, "The request body did not arrive in time.") from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if seen > self.max_body:
                    raise HTTPException(413, f"The body is over {self.max_body} bytes.")
            return message

        return bounded


def _without_body(send: Send) -> Send:
    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_send
