"""`labctl net compare-http`: the same N small fetches over HTTP/1.1 (<= 6 connections) and over HTTP/2 (1)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from labctl.net.delay_proxy import DelayProxy
from labctl.net.stats import median, p95
from labctl.output import LabError
from labctl.tls.target import Target

BROWSER_CONNECTIONS_PER_HOST = 6  # Chrome and Firefox open at most 6 HTTP/1.1 connections per origin


@dataclass(frozen=True)
class ProtocolRun:
    """What one protocol paid for N fetches."""

    protocol: str
    requests: int
    connections: int  # TCP handshakes
    tls_handshakes: int
    total_ms: float
    median_ms: float
    p95_ms: float
    errors: int


def asset_urls(url: str, n: int) -> list[str]:
    """url with ?asset=i appended: distinct resources, so no client-side cache can collapse them."""
    parts = urlsplit(url)
    out = []
    for i in range(n):
        query = "&".join(q for q in (parts.query, urlencode({"asset": i})) if q)
        out.append(urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, "")))
    return out


async def _fetch_all(
    urls: list[str], *, http2: bool, verify: ssl.SSLContext, sni: str | None, request_timeout: float
) -> ProtocolRun:
    import httpx  # lazily: heavy import, only this command needs it

    counts = {"connection.connect_tcp.complete": 0, "connection.start_tls.complete": 0}

    async def trace(event: str, _info: dict[str, Any]) -> None:
        if event in counts:
            counts[event] += 1

    limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS_PER_HOST, max_keepalive_connections=6)
    extensions: dict[str, Any] = {"trace": trace}
    if sni:
        extensions["sni_hostname"] = sni
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(
        http1=not http2, http2=http2, verify=verify, limits=limits, timeout=request_timeout
    ) as c:

        async def one(u: str) -> None:
            nonlocal errors
            t = time.perf_counter()
            try:
                response = await c.get(u, extensions=extensions)
                await response.aread()
                if response.status_code >= 400:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - t) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        total = (time.perf_counter() - start) * 1000
    return ProtocolRun(
        protocol="HTTP/2" if http2 else "HTTP/1.1",
        requests=len(urls),
        connections=counts["connection.connect_tcp.complete"],
        tls_handshakes=counts["connection.start_tls.complete"],
        total_ms=round(total, 1),
        median_ms=round(median(latencies), 1),
        p95_ms=round(p95(latencies), 1),
        errors=errors,
    )


def compare(
    url: str,
    target: Target,
    ip: str,
    *,
    assets: int = 50,
    rtt_ms: float | None = None,
    cafile: str | None = None,
    timeout: float = 30.0,
) -> list[ProtocolRun]:
    """Run HTTP/1.1 then HTTP/2 against the same assets (through one delay proxy if rtt_ms)."""
    if not 1 <= assets <= 1000:
        raise LabError("invalid_assets", f"--assets {assets} is out of range", "use 1..1000")
    if urlsplit(url).scheme != "https":
        raise LabError("https_required", "HTTP/2 in browsers needs TLS (ALPN h2)", "pass an https:// URL")
    verify = ssl.create_default_context(cafile=cafile)
    with contextlib.ExitStack() as stack:
        base, sni = url, None
        if rtt_ms:
            # httpx knows nothing of the proxy: it holds the first bytes for the emulated SYN-ACK instead
            proxy = stack.enter_context(DelayProxy((ip, target.port), rtt_ms / 2000, announce_connect=False))
            parts = urlsplit(url)
            base = urlunsplit((parts.scheme, f"127.0.0.1:{proxy.port}", parts.path, parts.query, ""))
            sni = target.sni or target.host
            verify.check_hostname = True
        urls = asset_urls(base, assets)
        return [
            asyncio.run(_fetch_all(urls, http2=h2, verify=verify, sni=sni, request_timeout=timeout))
            for h2 in (False, True)
        ]
