"""Helpers for the TLS/net integration tests: a tiny ASGI app hypercorn can serve, and server launchers.

Kept free of pytest imports: hypercorn imports this file by path (`tls_fixtures.py:app`) in its subprocess.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

APP_SPEC = f"{Path(__file__).resolve()}:app"
ASSET = b"x" * 1024  # one small resource, the size of a typical icon or JS chunk


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve `/`, `/healthz`, `/api/movies` and small assets; echo the HTTP version in a header."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    if path == "/api/movies":
        body = json.dumps({"items": [{"id": "m1", "title": "Test Movie"}]}).encode()
        ctype = b"application/json"
    elif path == "/healthz":
        body, ctype = b'{"status":"ok"}', b"application/json"
    elif path.startswith("/asset"):
        body, ctype = ASSET, b"application/octet-stream"
    else:
        body, ctype = b"<!doctype html><title>tls test</title>", b"text/html"
    headers = [
        (b"content-type", ctype),
        (b"content-length", str(len(body)).encode()),
        (b"x-http-version", str(scope.get("http_version", "")).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
