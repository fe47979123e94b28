"""The proxying half of the front door: each request to the group pick() chose, over pooled keep-alive connections.

The response is streamed back as it arrives, with `x-served-by: <colour>` added, and timed to its first
byte (the ALB's TargetResponseTime). The door answers by itself, in the API's error envelope, when no
group can serve (503), the target refuses or breaks the connection (502) or says nothing for the idle
timeout (504), like the ALB's own 5xx. A pooled connection that the API closed while idle is retried
once on a fresh one: nothing reached the API, so nothing runs twice.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import cast

import httptools

from labctl.local.frontdoor.groups import Group, Target, TargetGroups
from labctl.local.frontdoor.metrics import Sample
from labctl.local.frontdoor.wire import Request, error_body, response

IDLE_TIMEOUT_S = 60.0  # the ALB's default idle timeout (the infra keeps it)
POOL_IDLE_S = 4.0  # below uvicorn's 5 s keep-alive: the door drops a pooled connection before the API does
CONNECT_TIMEOUT_S = 5.0
_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
    | {b"expect", b"content-length", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-port"}
)


@dataclass
class Outcome:
    status: int | None = None
    ttfb_ms: float = 0.0
    got_bytes: bool = False  # anything came back (a retry is no longer safe)
    forwarded: bool = False  # the status line already went to the client
    keep_alive: bool = False
    error: str = ""


class Upstream(asyncio.Protocol):
    """One keep-alive connection to a target; exchange() sends a request and streams its response back."""

    def __init__(self, tag: bytes) -> None:
        self.tag = tag
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._client: asyncio.Transport | None = None
        self._done: asyncio.Future[Outcome] | None = None
        self._out = Outcome()
        self._head = b""
        self._started = 0.0
        self._bodyless = False
        self._parser = httptools.HttpResponseParser(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._done is not None and not self._done.done():
            self._out.error = "the target closed the connection"
            self._done.set_result(self._out)

    async def exchange(self, data: bytes, client: asyncio.Transport, *, bodyless: bool) -> Outcome:
        """Send one request, stream its response to client; the outcome (bounded by the idle timeout)."""
        assert self.transport is not None
        self._client, self._out, self._head, self._bodyless = client, Outcome(), b"", bodyless
        self._parser = httptools.HttpResponseParser(self)  # a fresh one per response: HEAD has no body
        self._done = asyncio.get_running_loop().create_future()
        self._started = time.perf_counter()
        self.transport.write(data)
        try:
            return await asyncio.wait_for(asyncio.shield(self._done), IDLE_TIMEOUT_S)
        except TimeoutError:
            self._out.error = "timeout"
            self.close()
            return self._out

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        out, client = self._out, self._client
        out.got_bytes = True
        if client is not None and not client.is_closing():
            if out.forwarded:
                client.write(data)
            else:
                self._head += data
                end = self._head.find(b"\r\n")
                if end >= 0:
                    client.write(self._head[: end + 2] + self.tag + self._head[end + 2 :])
                    out.forwarded, self._head = True, b""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            out.error = "the target's answer is not valid HTTP"
            self.close()
            self._finish()

    def on_headers_complete(self) -> None:
        self._out.status = self._parser.get_status_code()
        self._out.ttfb_ms = (time.perf_counter() - self._started) * 1000
        self._out.keep_alive = self._parser.should_keep_alive()
        if self._bodyless:
            self._finish()

    def on_message_complete(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(self._out)


def upstream_request(req: Request, listen_port: int) -> bytes:
    """The request as the target sees it: HTTP/1.1, keep-alive, a known length, X-Forwarded-* like the ALB's."""
    lines = [req.method + b" " + req.url + b" HTTP/1.1"]
    forwarded_for = req.peer.encode()
    for name, value in req.headers:
        low = name.lower()
        if low == b"x-forwarded-for":
            forwarded_for = value + b", " + forwarded_for
        elif low not in _HOP_BY_HOP:
            lines.append(name + b": " + value)
    lines += [b"x-forwarded-for: " + forwarded_for, b"x-forwarded-proto: http", b"x-forwarded-port: %d" % listen_port]
    if req.body or req.method in (b"POST", b"PUT", b"PATCH"):
        lines.append(b"content-length: %d" % len(req.body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + req.body


class FrontDoor:
    """The proxy handler: route, forward, measure, and keep a pool of idle connections per target."""

    def __init__(self, groups: TargetGroups, listen_port: int) -> None:
        self.groups = groups
        self.listen_port = listen_port
        self.in_flight = 0
        self.idle = asyncio.Event()  # set while nothing is in flight (a stop waits for it)
        self.idle.set()
        self._pools: dict[int, list[Upstream]] = {}

    async def handle(self, req: Request, client: asyncio.Transport) -> bool:
        group = self.groups.pick()
        if group is None:
            doc = error_body("no_healthy_target", "No target group can take requests (none registered or weighted).")
            client.write(response(503, doc))
            return True
        target = self.groups.begin(group)
        self.in_flight += 1
        self.idle.clear()
        try:
            out = await self._exchange(group, target, req, client)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.idle.set()
        elb = out.status is None or bool(out.error)
        status = 504 if out.error == "timeout" else 502 if elb else out.status or 502
        left = self.groups.finish(group, target, Sample(time.time(), out.ttfb_ms, status, elb=elb))
        if left is not None:
            self.drop_pool(left)
        if not elb:
            return out.keep_alive
        if out.forwarded:
            return False  # half an answer went out: only closing tells the client
        code, message = (
            ("gateway_timeout", "The API did not answer in time.")
            if status == 504
            else (
                "bad_gateway",
                f"The API's connection failed: {out.error or 'no answer'}.",
            )
        )
        client.write(response(status, error_body(code, message), ((b"x-served-by", group.colour.encode()),)))
        return True

    async def _exchange(self, group: Group, target: Target, req: Request, client: asyncio.Transport) -> Outcome:
        data = upstream_request(req, self.listen_port)
        tag = b"x-served-by: " + group.colour.encode() + b"\r\n"
        for _attempt in range(2):
            try:
                conn, reused = await self._connection(target, tag)
            except OSError as err:
                return Outcome(error=f"connect: {err.strerror or type(err).__name__}")
            out = await conn.exchange(data, client, bodyless=req.method == b"HEAD")
            if not out.error:
                if out.keep_alive and not conn.closed:
                    conn.idle_since = time.monotonic()
                    self._pools.setdefault(target.generation, []).append(conn)
                else:
                    conn.close()
                return out
            conn.close()
            if not (reused and not out.got_bytes and out.error != "timeout"):
                return out
        return out

    async def _connection(self, target: Target, tag: bytes) -> tuple[Upstream, bool]:
        pool = self._pools.get(target.generation, [])
        now = time.monotonic()
        while pool:
            conn = pool.pop()
            if not conn.closed and now - conn.idle_since < POOL_IDLE_S:
                conn.tag = tag
                return conn, True
            conn.close()
        loop = asyncio.get_running_loop()
        _, conn = await asyncio.wait_for(
            loop.create_connection(lambda: Upstream(tag), target.host, target.port), CONNECT_TIMEOUT_S
        )
        return conn, False

    def drop_pool(self, target: Target) -> None:
        """Close the idle connections to a target that left its group."""
        for conn in self._pools.pop(target.generation, []):
            conn.close()

    def expire_idle(self) -> None:
        """Close pooled connections idle for POOL_IDLE_S (the API would close them soon anyway)."""
        now = time.monotonic()
        for key, pool in list(self._pools.items()):
            keep = [c for c in pool if not c.closed and now - c.idle_since < POOL_IDLE_S]
            for c in pool:
                if c not in keep:
                    c.close()
            self._pools[key] = keep
