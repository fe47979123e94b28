"""`labctl tls inspect`: one verifying handshake + version probes + HSTS -> a report with findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.output import LabError
from labctl.tls.certs import CertInfo, describe, hostname_matches
from labctl.tls.findings import (
    Finding,
    connection_findings,
    dedupe,
    exit_code,
    order_findings,
    trust_findings,
    validity_findings,
)
from labctl.tls.probe import fetch_hsts, handshake, probe_versions
from labctl.tls.target import Target


@dataclass
class InspectReport:
    """Everything `tls inspect` prints; as_dict() is the --json document."""

    target: Target
    ip: str
    tls_version: str
    cipher: str
    alpn: str | None
    chain: list[CertInfo]
    trusted: bool
    hostname_match: bool
    versions: dict[str, bool]
    ocsp_stapled: bool
    hsts: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 warnings only, 2 errors."""
        return exit_code(self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of `tls inspect --json`."""
        return {
            "target": self.target.authority,
            "servername": self.target.sni,
            "ip": self.ip,
            "port": self.target.port,
            "tls_version": self.tls_version,
            "cipher": self.cipher,
            "alpn": self.alpn,
            "chain": [c.as_dict() for c in self.chain],
            "trusted": self.trusted,
            "hostname_match": self.hostname_match,
            "protocols": self.versions,
            "ocsp_stapled": self.ocsp_stapled,
            "hsts": self.hsts,
            "findings": [f.as_dict() for f in self.findings],
            "exit_code": self.exit_code,
        }


def inspect(
    target: Target,
    *,
    cafile: Path | None = None,
    warn_days: int = 30,
    timeout: float = 5.0,
    now: dt.datetime | None = None,
) -> InspectReport:
    """Connect to target, fetch and judge the presented chain and the connection's properties."""
    if cafile is not None and not cafile.is_file():
        raise LabError("cafile_not_found", f"{cafile} does not exist", "pass the root CA PEM the server uses")
    now = now or dt.datetime.now(dt.UTC)
    hs = handshake(target, cafile=cafile, timeout=timeout)
    if not hs.chain:
        raise LabError("no_certificate", f"{target.authority} presented no certificate", "check the server")
    infos = [describe(c, now=now) for c in hs.chain]
    name = target.sni or target.host
    match = hostname_matches(hs.chain[0], name)
    versions = probe_versions(target, hs.ip, timeout=min(timeout, 3.0))
    hsts = fetch_hsts(target, hs.ip, timeout=min(timeout, 3.0))
    findings = validity_findings(infos, warn_days)
    findings += trust_findings(hs.verify_errors, infos)
    findings += order_findings(hs.chain, infos)
    if not match:
        sans = ", ".join(infos[0].sans) or "none"
        msg = f"the leaf is not valid for {name} (SANs: {sans})"
        findings.append(Finding("hostname_mismatch", "error", msg))
    findings += connection_findings(alpn=hs.alpn, versions=versions, ocsp_stapled=hs.ocsp_stapled, hsts=hsts)
    return InspectReport(
        target=target,
        ip=hs.ip,
        tls_version=hs.tls_version,
        cipher=hs.cipher,
        alpn=hs.alpn,
        chain=infos,
        trusted=not hs.verify_errors,
        hostname_match=match,
        versions=versions,
        ocsp_stapled=hs.ocsp_stapled,
        hsts=hsts,
        findings=dedupe(findings),
    )
