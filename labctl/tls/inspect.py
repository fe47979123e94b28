"""`labctl tls inspect`: a verifying handshake, then the scan (suites, groups, resumption, no-SNI, HSTS) in parallel."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.output import LabError
from labctl.tls.certs import CertInfo, common_name_matches, describe, hostname_matches
from labctl.tls.findings import (
    Finding,
    connection_findings,
    dedupe,
    exit_code,
    hostname_finding,
    offer_findings,
    order_findings,
    sni_finding,
    trust_findings,
    validity_findings,
)
from labctl.tls.policies import Offer, PolicyMatch, ProfileVerdict, match_aws, mozilla_verdict
from labctl.tls.probe import Handshake, default_certificate, fetch_hsts, handshake
from labctl.tls.scan import TLS13_SUITES, ProtocolScan, offerable_ciphers, scan_groups, scan_protocols
from labctl.tls.session import Resumption, probe_resumption
from labctl.tls.target import Target
from labctl.tls.wire import PROTOCOLS

PQ_GROUP = "X25519MLKEM768"  # this client's OpenSSL offers it first, so a PQ-capable server shows it


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
    protocols: list[ProtocolScan]
    groups: list[str]
    resumption: Resumption | None
    no_sni_certificate: CertInfo | None
    ocsp_stapled: bool
    hsts: str | None
    profile: ProfileVerdict
    aws_policies: list[PolicyMatch]
    legacy_client: bool = False  # only a client allowing TLS 1.0/1.1 and weak suites got a handshake
    elapsed_ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 warnings only, 2 errors."""
        return exit_code(self.findings)

    @property
    def versions(self) -> dict[str, bool]:
        """Protocol version -> accepted."""
        return {p.version: p.accepted for p in self.protocols}

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of `tls inspect --json`."""
        default = self.no_sni_certificate
        no_sni = None
        if default is not None:
            no_sni = {
                "subject": default.subject,
                "sha256": default.sha256,
                "same_as_sni": default.sha256 == self.chain[0].sha256,
            }
        return {
            "target": self.target.authority,
            "servername": self.target.sni,
            "ip": self.ip,
            "port": self.target.port,
            "tls_version": self.tls_version,
            "cipher": self.cipher,
            "alpn": self.alpn,
            "legacy_client": self.legacy_client,
            "chain": [c.as_dict() for c in self.chain],
            "trusted": self.trusted,
            "hostname_match": self.hostname_match,
            "protocols": [p.as_dict() for p in self.protocols],
            "groups": self.groups,
            "resumption": self.resumption.as_dict() if self.resumption else None,
            "no_sni_certificate": no_sni,
            "ocsp_stapled": self.ocsp_stapled,
            "hsts": self.hsts,
            "profile": self.profile.as_dict(),
            "aws_policies": [m.as_dict() for m in self.aws_policies],
            "findings": [f.as_dict() for f in self.findings],
            "exit_code": self.exit_code,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def _handshake(target: Target, cafile: Path | None, timeout: float) -> tuple[Handshake, bool]:
    try:
        return handshake(target, cafile=cafile, timeout=timeout), False
    except LabError as err:
        if err.code != "tls_handshake_failed":
            raise
        try:  # a TLS 1.0/1.1-only or weak-suite server: fetch the chain anyway, the scan says what it speaks
            return handshake(target, cafile=cafile, timeout=timeout, legacy=True), True
        except LabError:
            raise err from None


def _scan(target: Target, hs: Handshake, timeout: float) -> tuple[Any, ...]:
    sni, port = target.sni, target.port
    with ThreadPoolExecutor(max_workers=4) as ex:
        protocols_f = ex.submit(scan_protocols, hs.ip, port, sni, timeout=timeout)
        groups_f = ex.submit(scan_groups, hs.ip, port, sni, timeout=timeout)
        hsts_f = ex.submit(fetch_hsts, target, hs.ip, timeout=timeout)
        default_f = ex.submit(default_certificate, target, hs.ip, timeout=timeout) if sni else None
        protocols = protocols_f.result()
        accepted = {p.version: p.accepted for p in protocols}
        resumption = probe_resumption(target, hs.ip, accepted, timeout=timeout) if any(accepted.values()) else None
        default = default_f.result() if default_f else None
        return protocols, groups_f.result(), hsts_f.result(), default, resumption


def _groups(scanned: list[str], protocols: list[ProtocolScan]) -> list[str]:
    # the per-group probe runs over TLS 1.3; groups negotiated during the suite scan add TLS 1.2 and hybrid PQ ones
    seen = [c.kx.split(" ", 1)[1] for p in protocols for c in p.ciphers if " " in c.kx]
    return list(dict.fromkeys([*scanned, *seen]))


def _offer(protocols: list[ProtocolScan], groups: list[str], leaf: CertInfo, trusted: bool) -> Offer:
    checkable = {*PROTOCOLS, *offerable_ciphers(), *TLS13_SUITES, PQ_GROUP}
    return Offer(
        protocols=frozenset(p.version for p in protocols if p.accepted),
        ciphers=frozenset(c.name for p in protocols for c in p.ciphers),
        groups=frozenset(groups),
        leaf=leaf,
        trusted=trusted,
        checkable=frozenset(checkable),
    )


def inspect(
    target: Target,
    *,
    cafile: Path | None = None,
    warn_days: int = 30,
    timeout: float = 5.0,
    now: dt.datetime | None = None,
) -> InspectReport:
    """Connect to target, fetch and judge the presented chain, then scan what the server accepts."""
    if cafile is not None and not cafile.is_file():
        raise LabError("cafile_not_found", f"{cafile} does not exist", "pass the root CA PEM the server uses")
    started, now = time.perf_counter(), now or dt.datetime.now(dt.UTC)
    hs, legacy = _handshake(target, cafile, timeout)
    if not hs.chain:
        raise LabError("no_certificate", f"{target.authority} presented no certificate", "check the server")
    infos = [describe(c, now=now) for c in hs.chain]
    name = target.sni or target.host
    match = hostname_matches(hs.chain[0], name)
    protocols, scanned, hsts, default, resumption = _scan(target, hs, min(timeout, 3.0))
    groups = _groups(scanned, protocols)
    default_info = describe(default, now=now) if default is not None else None
    versions = {p.version: p.accepted for p in protocols}
    findings = validity_findings(infos, warn_days)
    findings += trust_findings(hs.verify_errors, infos)
    findings += order_findings(hs.chain, infos)
    if not match:
        findings.append(hostname_finding(infos[0], name, common_name_only=common_name_matches(hs.chain[0], name)))
    findings += connection_findings(alpn=hs.alpn, versions=versions, ocsp_stapled=hs.ocsp_stapled, hsts=hsts)
    findings += offer_findings(protocols, resumption)
    if (sni := sni_finding(target.sni, infos[0], default_info)) is not None:
        findings.append(sni)
    offer = _offer(protocols, groups, infos[0], trusted=not hs.verify_errors)
    return InspectReport(
        target=target,
        ip=hs.ip,
        tls_version=hs.tls_version,
        cipher=hs.cipher,
        alpn=hs.alpn,
        chain=infos,
        trusted=not hs.verify_errors,
        hostname_match=match,
        protocols=protocols,
        groups=groups,
        resumption=resumption,
        no_sni_certificate=default_info,
        ocsp_stapled=hs.ocsp_stapled,
        hsts=hsts,
        profile=mozilla_verdict(offer),
        aws_policies=match_aws(offer),
        legacy_client=legacy,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        findings=dedupe(findings),
    )
