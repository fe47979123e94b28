"""`labctl net handshake` and `labctl net compare-http`: validate the options, measure, return typed results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

from labctl.durations import RTT, parse_duration
from labctl.net.compare import ProtocolRun
from labctl.net.handshake import HandshakeReport
from labctl.net.phases import HttpVersion, TlsVersion
from labctl.output import JsonDoc, LabError


@dataclass(frozen=True)
class Comparison:
    """HTTP/1.1 and HTTP/2 fetching the same small resources."""

    url: str
    rtt_ms: float | None
    assets: int
    runs: list[ProtocolRun]

    def to_json(self) -> JsonDoc:
        return {"url": self.url, "rtt_ms": self.rtt_ms, "assets": self.assets, "runs": [asdict(r) for r in self.runs]}


def rtt_ms(rtt: str | None) -> float | None:
    """--rtt in milliseconds (a bare number is milliseconds), None without one."""
    return parse_duration(rtt, RTT).total_seconds() * 1000 if rtt else None


def cafile_path(path: Path | None) -> str | None:
    """--cafile as a path string; cafile_not_found when it names no file."""
    if path is not None and not path.is_file():
        raise LabError("cafile_not_found", f"{path} does not exist", "pass the root CA PEM the server uses")
    return str(path) if path else None


def handshake(
    url: str, *, count: int, http: str, tls: str | None, rtt: str | None, cafile: Path | None
) -> HandshakeReport:
    """Time DNS, TCP, TLS, first byte and transfer, `count` full fetches each followed by a resumed one."""
    from labctl.net.handshake import run

    if http not in ("1.1", "2"):
        raise LabError("invalid_http_version", f"--http {http} is not 1.1 or 2", "use --http 1.1 or --http 2")
    if tls not in (None, "1.2", "1.3"):
        raise LabError("invalid_tls_version", f"--tls {tls} is not 1.2 or 1.3", "use --tls 1.2 or --tls 1.3")
    return run(
        url,
        count=count,
        http=cast("HttpVersion", http),  # validated just above
        tls=cast("TlsVersion | None", tls),
        rtt_ms=rtt_ms(rtt),
        cafile=cafile_path(cafile),
    )


def compare_http(url: str, *, assets: int, rtt: str | None, cafile: Path | None) -> Comparison:
    """Fetch `assets` resources over HTTP/1.1 (<= 6 connections) and over HTTP/2 (1 connection)."""
    from labctl.net.compare import compare
    from labctl.net.handshake import parse_url
    from labctl.tls.probe import reachable_ip

    target, _tls = parse_url(url)
    delay = rtt_ms(rtt)
    ip = reachable_ip(target, timeout=5.0)
    return Comparison(
        url, delay, assets, compare(url, target, ip, assets=assets, rtt_ms=delay, cafile=cafile_path(cafile))
    )
