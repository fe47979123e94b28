"""HTTP/1.1 on the client side of the front door: requests parsed with httptools, answered one at a time.

Both the proxy port and the admin port use it; what answers a request is a Handler. Requests on one
connection are answered in order (pipelined ones wait their turn), and a request is read whole before
it is answered: the lab's bodies are small JSON documents.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

import httptools
import orjson

MAX_QUEUED = 16  # pipelined requests read ahead before the connection stops reading
_REASONS = {
    200: b"OK",
    202: b"Accepted",
    400: b"Bad Request",
    404: b"Not Found",
    409: b"Conflict",
    502: b"Bad Gateway",
    503: b"Service Unavailable",
    504: b"Gateway Timeout",
}


@dataclass
class Request:
    method: bytes = b""
    url: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    keep_alive: bool = True
    peer: str = ""


# Answers one request on the transport; returns False when the connection must close afterwards.
Handler = Callable[[Request, asyncio.Transport], Awaitable[bool]]


def response(status: int, doc: object, extra: tuple[tuple[bytes, bytes], ...] = (), *, close: bool = False) -> bytes:
    """A whole JSON response."""
    body = orjson.dumps(doc)
    head = [
        b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
        b"content-type: application/json",
        b"content-length: %d" % len(body),
        *(k + b": " + v for k, v in extra),
    ]
    if close:
        head.append(b"connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def error_body(code: str, message: str) -> dict[str, object]:
    """The booking API's error envelope, so a client reads the door's own answers the same way."""
    return {"error": {"code": code, "message": message, "details": {}}}


class Downstream(asyncio.Protocol):
    """One client connection."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._parser = httptools.HttpRequestParser(self)
        self._queue: deque[Request] = deque()
        self._current = Request()
        self._task: asyncio.Task[None] | None = None
        self._transport: asyncio.Transport | None = None
        self._peer = ""
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if isinstance(peer, tuple) else ""

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(b"upgrade_not_supported", "The lab's front door speaks HTTP/1.1 only.")
        except httptools.HttpParserError:
            self._refuse(b"bad_request", "The request is not valid HTTP/1.1.")

    def _refuse(self, code: bytes, message: str) -> None:
        assert self._transport is not None
        self._transport.write(response(400, error_body(code.decode(), message), close=True))
        self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._queue.clear()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._current = Request(peer=self._peer)

    def on_url(self, url: bytes) -> None:
        self._current.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._current.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._current.method = self._parser.get_method()
        self._current.keep_alive = self._parser.should_keep_alive()
        if any(k.lower() == b"expect" and v.lower() == b"100-continue" for k, v in self._current.headers):
            assert self._transport is not None
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # the body is read here, not upstream

    def on_body(self, body: bytes) -> None:
        self._current.body += body

    def on_message_complete(self) -> None:
        self._queue.append(self._current)
        if len(self._queue) >= MAX_QUEUED and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._serve())

    async def _serve(self) -> None:
        transport = self._transport
        assert transport is not None
        try:
            while self._queue and not transport.is_closing():
                request = self._queue.popleft()
                if self._paused and len(self._queue) < MAX_QUEUED // 2:
                    transport.resume_reading()
                    self._paused = False
                if not await self._handler(request, transport) or not request.keep_alive:
                    transport.close()
                    return
        finally:
            self._task = None
