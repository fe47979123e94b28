"""Findings: stable codes and levels from certificate facts and OpenSSL verify errors; exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509

from labctl.tls.certs import CertInfo, KeyInfo, describe
from labctl.tls.findings import (
    Finding,
    connection_findings,
    dedupe,
    exit_code,
    order_findings,
    trust_findings,
    validity_findings,
)
from labctl.tls.pki import build_scenario
from labctl.tls.probe import VerifyError

NOW = dt.datetime.now(dt.UTC)


def _info(
    days_left: int = 80,
    key: KeyInfo = KeyInfo("EC", 256),
    sig: str = "sha256WithRSAEncryption",
    *,
    expired: bool = False,
    not_yet_valid: bool = False,
) -> CertInfo:
    return CertInfo(
        subject="CN=leaf",
        issuer="CN=ca",
        sans=["leaf"],
        serial="1",
        not_before="2026-01-01T00:00:00+00:00",
        not_after="2027-01-01T00:00:00+00:00",
        days_left=days_left,
        expired=expired,
        not_yet_valid=not_yet_valid,
        key=key,
        signature_algorithm=sig,
        sha256="AA",
        is_ca=False,
        self_signed=False,
    )


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_validity_thresholds() -> None:
    assert _codes(validity_findings([_info(days_left=-1, expired=True)], 30)) == ["expired"]
    assert _codes(validity_findings([_info(days_left=0, expired=True)], 30)) == ["expired"]  # hours ago
    assert _codes(validity_findings([_info(not_yet_valid=True)], 30)) == ["not_yet_valid"]
    assert _codes(validity_findings([_info(days_left=0)], 30)) == ["expires_soon"]
    assert _codes(validity_findings([_info(days_left=29)], 30)) == ["expires_soon"]
    assert _codes(validity_findings([_info(days_left=30)], 30)) == []


def test_weak_keys_and_signatures_are_errors() -> None:
    found = validity_findings([_info(key=KeyInfo("RSA", 1024), sig="sha1WithRSAEncryption")], 30)
    assert [(f.code, f.level) for f in found] == [("weak_key", "error"), ("weak_signature", "error")]
    assert _codes(validity_findings([_info(key=KeyInfo("RSA", 2048))], 30)) == []


def test_verify_errors_map_to_stable_codes() -> None:
    leaf, inter = _info(), CertInfo(**{**_info().as_dict(), "is_ca": True, "key": KeyInfo("EC", 256)})
    assert _codes(trust_findings([VerifyError(0, 18)], [leaf])) == ["self_signed"]
    assert _codes(trust_findings([VerifyError(1, 19)], [leaf, inter])) == ["untrusted_root"]
    assert _codes(trust_findings([VerifyError(0, 20), VerifyError(0, 21)], [leaf])) == ["incomplete_chain"] * 2
    assert _codes(trust_findings([VerifyError(1, 20)], [leaf, inter])) == ["untrusted_root"]
    assert _codes(trust_findings([VerifyError(0, 10)], [leaf])) == []  # dates report expiry, once
    assert _codes(trust_findings([VerifyError(0, 26)], [leaf])) == ["chain_invalid"]


def _chain(tmp_path: Path) -> list[x509.Certificate]:
    pki = build_scenario("ok", tmp_path)
    leaf, inter = x509.load_pem_x509_certificates(pki.certfile.read_bytes())
    root = x509.load_pem_x509_certificate(pki.cafile.read_bytes())
    return [leaf, inter, root]


def test_chain_order_is_walked_from_the_leaf(tmp_path: Path) -> None:
    leaf, inter, root = _chain(tmp_path)

    def order(certs: list[x509.Certificate]) -> list[str]:
        return _codes(order_findings(certs, [describe(c, now=NOW) for c in certs]))

    assert order([leaf, inter]) == []
    assert order([leaf, inter, root]) == ["root_in_chain"]
    assert order([leaf, root, inter]) == ["chain_misordered", "root_in_chain"]
    other = build_scenario("self-signed", tmp_path / "other")
    stranger = x509.load_pem_x509_certificate(other.certfile.read_bytes())
    assert order([leaf, inter, stranger]) == ["extra_certificate"]


def test_connection_findings() -> None:
    modern = {"TLSv1": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}
    assert connection_findings(alpn="h2", versions=modern, ocsp_stapled=True, hsts="max-age=1") == []
    old = {"TLSv1": True, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": False}
    found = connection_findings(alpn="http/1.1", versions=old, ocsp_stapled=False, hsts="")
    assert [(f.code, f.level) for f in found] == [
        ("legacy_protocol", "warning"),
        ("no_tls13", "info"),
        ("no_h2", "info"),
        ("no_ocsp_stapling", "info"),
        ("no_hsts", "info"),
    ]
    assert "TLSv1 " in found[0].message
    assert "TLSv1.1" not in found[0].message
    # HSTS unreadable (None) is not the same as absent ("")
    assert "no_hsts" not in _codes(connection_findings(alpn="h2", versions=modern, ocsp_stapled=True, hsts=None))


def test_exit_code_follows_the_worst_level_and_dedupe_sorts() -> None:
    info, warn, err = Finding("a", "info", "x"), Finding("b", "warning", "y"), Finding("c", "error", "z")
    assert [exit_code([]), exit_code([info]), exit_code([info, warn]), exit_code([warn, err])] == [0, 0, 1, 2]
    assert dedupe([info, warn, err, err]) == [err, warn, info]
