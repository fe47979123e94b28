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
    hostname_finding,
    offer_findings,
    order_findings,
    sni_finding,
    trust_findings,
    validity_findings,
)
from labctl.tls.pki import build_scenario
from labctl.tls.probe import VerifyError
from labctl.tls.scan import Cipher, ProtocolScan
from labctl.tls.session import Resumption
from tests.support.tls_builders import cert_info

NOW = dt.datetime.now(dt.UTC)


def _info(
    days_left: int = 80,
    key: KeyInfo = KeyInfo("EC", 256),
    sig: str = "sha256WithRSAEncryption",
    *,
    expired: bool = False,
    not_yet_valid: bool = False,
) -> CertInfo:
    return cert_info(
        days_left=days_left, key=key, signature_algorithm=sig, expired=expired, not_yet_valid=not_yet_valid
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


def test_openssl_security_level_codes_become_the_named_findings() -> None:
    leaf = _info(key=KeyInfo("RSA", 1024), sig="sha1WithRSAEncryption")
    found = trust_findings([VerifyError(0, 66), VerifyError(0, 68)], [leaf])
    assert [(f.code, f.level) for f in found] == [("weak_key", "error"), ("weak_signature", "error")]
    # the same text as the date/key checks, so the report carries each problem once
    assert dedupe(found + validity_findings([leaf], 30)) == found
    assert all("66" not in f.message and "68" not in f.message for f in found)
    assert VerifyError(1, 67).message == "CA certificate key too weak"


def test_misordered_chain_names_the_certificates(tmp_path: Path) -> None:
    leaf, inter, root = _chain(tmp_path)
    certs = [leaf, root, inter]
    (found,) = [f for f in order_findings(certs, [describe(c, now=NOW) for c in certs]) if f.code == "chain_misordered"]
    assert "[0" not in found.message
    assert found.message == (
        "certificates are sent as localhost, labctl demo Root CA, labctl demo Intermediate CA; send the leaf first, "
        "then each issuer: localhost, labctl demo Intermediate CA, labctl demo Root CA"
    )


def test_only_legacy_protocols_is_an_error_and_mixed_is_a_warning() -> None:
    only = {"TLSv1": True, "TLSv1.1": True, "TLSv1.2": False, "TLSv1.3": False}
    mixed = {**only, "TLSv1.2": True}

    def first(versions: dict[str, bool]) -> tuple[str, str]:
        f = connection_findings(alpn="h2", versions=versions, ocsp_stapled=True, hsts="max-age=1")[0]
        return f.code, f.level

    assert first(only) == ("legacy_protocol", "error")
    assert first(mixed) == ("legacy_protocol", "warning")


def test_cn_only_mismatch_explains_who_disagrees() -> None:
    cn_only = hostname_finding(_info(), "shop.test", common_name_only=True)
    plain = hostname_finding(_info(), "shop.test", common_name_only=False)
    assert "browsers" in cn_only.message
    assert "curl, Python and `openssl s_client -verify_hostname`" in cn_only.message
    assert plain.message == "the leaf is not valid for shop.test (SANs: leaf)"


def test_offer_findings_from_suites_and_resumption() -> None:
    strong = Cipher("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE X25519", 128, True)
    static = Cipher("AES128-GCM-SHA256", "RSA", 128, False)
    anon = Cipher("AECDH-AES128-SHA", "ECDHE X25519", 128, True)
    scans = [ProtocolScan("TLSv1.2", True, [strong, static, anon])]
    found = offer_findings(scans, Resumption(session_ids=False, tickets=False, tls13=None))
    assert [(f.code, f.level) for f in found] == [
        ("weak_cipher", "error"),
        ("no_forward_secrecy", "warning"),
        ("no_session_resumption", "info"),
    ]
    assert "AECDH-AES128-SHA" in found[0].message
    assert offer_findings([ProtocolScan("TLSv1.3", True, [strong])], Resumption(None, None, True)) == []


def test_sni_finding() -> None:
    leaf = _info()
    other = CertInfo(**{**leaf.as_dict(), "key": leaf.key, "sha256": "BB", "subject": "CN=default"})
    assert sni_finding(None, leaf, None) is None  # an IP target sends no SNI in the first place
    assert sni_finding("leaf", leaf, leaf) is None
    refused = sni_finding("leaf", leaf, None)
    assert refused is not None
    assert refused.code == "sni_required"
    differs = sni_finding("leaf", leaf, other)
    assert differs is not None
    assert differs.code == "default_certificate_differs"
    assert "CN=default" in differs.message
