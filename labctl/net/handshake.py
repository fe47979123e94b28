"""`labctl net handshake`: repeat a timed fetch, summarise each phase and set it against the RTTs it should cost."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from labctl.net.delay_proxy import DelayProxy
from labctl.net.phases import HttpVersion, Phases, TlsVersion, client_context, fetch
from labctl.net.stats import median, p95
from labctl.output import LabError
from labctl.tls.probe import reachable_ip
from labctl.tls.target import Target, parse_target

PHASES = ("dns", "tcp", "tls", "tls_resumed", "ttfb", "transfer", "setup", "first_byte")
LABELS = {
    "dns": "DNS lookup",
    "tcp": "TCP connect (SYN, SYN-ACK)",
    "tls": "TLS handshake (full)",
    "tls_resumed": "TLS handshake (resumed)",
    "ttfb": "request -> first byte",
    "transfer": "first -> last byte",
    "setup": "connection ready (TCP+TLS)",
    "first_byte": "dial -> first byte",
}


def expected_rtts(tls_version: str | None) -> dict[str, float | None]:
    """Round trips each phase costs on the wire, ignoring server think time."""
    full = {"TLSv1.3": 1.0, "TLSv1.2": 2.0}.get(tls_version or "", 0.0)
    resumed = 1.0 if tls_version else 0.0  # 1.2 abbreviated handshake; 1.3 PSK (0-RTT data is not sent)
    return {
        "dns": None,  # served by the local resolver or cache here; a cold lookup is >= 1 RTT to the resolver
        "tcp": 1.0,
        "tls": full,
        "tls_resumed": resumed,
        "ttfb": 1.0,
        "transfer": None,  # depends on size and congestion window, not on a fixed number of round trips
        "setup": 1.0 + full,
        "first_byte": 2.0 + full,
    }


@dataclass
class HandshakeReport:
    """Per-phase samples in ms plus what was negotiated; to_json() is the --json document."""

    url: str
    target: Target
    ip: str
    rtt_ms: float | None  # the delay proxy's RTT when --rtt was given
    tls_version: str | None
    http: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    resumed_ok: int = 0

    @property
    def rtt_basis_ms(self) -> float:
        """The RTT to count in: --rtt if given, else the median TCP connect (one round trip)."""
        return self.rtt_ms if self.rtt_ms else median(self.samples["tcp"])

    def rows(self) -> list[dict[str, Any]]:
        """One row per phase: median, p95, measured RTTs and expected RTTs."""
        expected, basis = expected_rtts(self.tls_version), self.rtt_basis_ms
        rows = []
        for phase in PHASES:
            values = self.samples.get(phase, [])
            if not values:
                continue
            med = median(values)
            rows.append(
                {
                    "phase": phase,
                    "median_ms": round(med, 2),
                    "p95_ms": round(p95(values), 2),
                    "rtts": round(med / basis, 2) if basis > 0 else None,
                    "expected_rtts": expected[phase],
                }
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of `net handshake --json`."""
        return {
            "url": self.url,
            "target": self.target.authority,
            "ip": self.ip,
            "rtt_ms": self.rtt_ms,
            "rtt_basis_ms": round(self.rtt_basis_ms, 3),
            "tls_version": self.tls_version,
            "http": self.http,
            "runs": len(self.samples["tcp"]),
            "resumed": self.resumed_ok,
            "phases": self.rows(),
            "samples_ms": {k: [round(v, 3) for v in vs] for k, vs in self.samples.items()},
        }


def parse_url(url: str) -> tuple[Target, bool]:
    """Target and whether it is TLS; only http:// and https:// URLs."""
    scheme = urlsplit(url.strip()).scheme if "://" in url else ""
    if scheme not in ("http", "https"):
        raise LabError("invalid_url", f"{url!r} is not an http:// or https:// URL", "e.g. https://localhost:8443/")
    return parse_target(url), scheme == "https"


def _add(samples: dict[str, list[float]], phases: Phases, tls: bool) -> None:
    ms = {
        "dns": phases.dns,
        "tcp": phases.tcp,
        "ttfb": phases.ttfb,
        "transfer": phases.transfer,
        "setup": phases.tcp + phases.tls,
        "first_byte": phases.tcp + phases.tls + phases.ttfb,
    }
    if tls:
        ms["tls"] = phases.tls
    for key, seconds in ms.items():
        samples.setdefault(key, []).append(seconds * 1000)


def run(
    url: str,
    *,
    count: int = 5,
    http: HttpVersion = "2",
    tls: TlsVersion | None = None,
    rtt_ms: float | None = None,
    cafile: str | None = None,
    timeout: float = 10.0,
) -> HandshakeReport:
    """count full fetches, each followed by one that resumes its TLS session."""
    if not 1 <= count <= 100:
        raise LabError("invalid_count", f"--count {count} is out of range", "use 1..100")
    target, is_tls = parse_url(url)
    ip = reachable_ip(target, timeout)  # the delay proxy forwards here
    ctx = client_context(cafile=cafile, tls=tls, http=http) if is_tls else None
    samples: dict[str, list[float]] = {}
    version, negotiated, resumed_ok = None, "1.1", 0
    with contextlib.ExitStack() as stack:
        proxy_port = None
        if rtt_ms:
            proxy = DelayProxy((ip, target.port), rtt_ms / 2000, announce_connect=True)
            proxy_port = stack.enter_context(proxy).port
        for _ in range(count):
            phases, session = fetch(target, tls_ctx=ctx, proxy_port=proxy_port, timeout=timeout)
            _add(samples, phases, is_tls)
            version, negotiated = phases.tls_version, phases.http
            if ctx is not None and session is not None:
                again, _s = fetch(target, tls_ctx=ctx, session=session, proxy_port=proxy_port, timeout=timeout)
                if again.resumed:  # a server may refuse to resume; then it is just another full handshake
                    resumed_ok += 1
                    samples.setdefault("tls_resumed", []).append(again.tls * 1000)
    return HandshakeReport(url, target, ip, rtt_ms, version, negotiated, samples, resumed_ok)
