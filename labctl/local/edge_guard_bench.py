"""CPU cost of the edge guard per request (origin header + canonical path), in-process, no network.

`python -m labctl.local.edge_guard_bench`: calls api.http.edge_guard.EdgeGuardMiddleware in front of a
no-op ASGI app with a CloudFront-like request (16 headers) and prints nanoseconds per request above
calling the no-op app alone, in CPU time of this thread (other load on the machine matters less).
Compare with the API's CPU per request (ADR 0013). Timings on a shared machine are noisy: the load
average is printed with them.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.edge_guard import EdgeGuardMiddleware

SECRET = "x" * 48
N = 200_000
ROUNDS = 5
HEADERS = [(f"x-header-{i}".encode(), b"value") for i in range(14)]


async def _noop(scope: Scope, receive: Receive, send: Send) -> None:
    return None


def _scope(path: str, secret: bytes | None) -> dict[str, Any]:
    headers = [*HEADERS, (b"x-origin-verify", secret)] if secret else list(HEADERS)
    headers.append((b"host", b"d111111abcdef8.cloudfront.net"))
    return {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "headers": headers, "state": {}}


async def _receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}


async def _send(message: Message) -> None:
    return None


async def _per_call_ns(app: ASGIApp, scope: dict[str, Any]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.thread_time_ns()
        for _ in range(N):
            await app(scope, _receive, _send)
        best = min(best, (time.thread_time_ns() - started) / N)
    return best


async def main() -> None:
    """Print the guard's overhead per request in three configurations."""
    base = await _per_call_ns(_noop, _scope("/api/shows/s1/holds", None))
    cases = {
        "local lab (no secret), plain path": (None, "/api/shows/s1/holds"),
        "AWS (secret checked), plain path": (SECRET, "/api/shows/s1/holds"),
        "AWS (secret checked), encoded ':' in an id": (SECRET, "/api/movies/m%3A1/shows"),
    }
    print(f"load average {os.getloadavg()[0]:.2f}; best of {ROUNDS} x {N:,} calls; no-op app alone {base:.0f} ns")
    for label, (secret, path) in cases.items():
        guard = EdgeGuardMiddleware(_noop, origin_secret=secret)
        ns = await _per_call_ns(guard, _scope(path, secret.encode() if secret else None))
        print(f"{label:45s} +{ns - base:6.0f} ns per request")


if __name__ == "__main__":
    asyncio.run(main())
