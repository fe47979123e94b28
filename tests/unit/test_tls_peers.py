"""Reading openssl s_client's and sslyze's reports for the side-by-side (`python -m labctl.tls.compare`)."""

from __future__ import annotations

from typing import Any

from labctl.tls.compare import Row, Timed, tables
from labctl.tls.peers import View, labctl_view, openssl_accepted, openssl_chain, openssl_verdict, sslyze_view

# trimmed from `openssl s_client -showcerts -verify_return_error` (OpenSSL 3.0) against the demo scenarios
CHAIN = """CONNECTED(00000003)
---
Certificate chain
 0 s:O = labctl demo, CN = localhost
   i:O = labctl demo, CN = labctl demo Intermediate CA
 1 s:O = labctl demo, CN = labctl demo Intermediate CA
   i:O = labctl demo, CN = labctl demo Root CA
---
"""
OK = CHAIN + "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\nVerify return code: 0 (ok)\n"
EXPIRED = (
    CHAIN + "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\nVerify return code: 10 (certificate has expired)\n"
    "verify error:num=10:certificate has expired\n"
    "4017C562417F0000:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:x\n"
)
# TLS 1.1 is negotiated and the chain verifies, then OpenSSL 3's default security level refuses the MD5+SHA1 signature
LEGACY = (
    CHAIN + "New, (NONE), Cipher is (NONE)\n    Verify return code: 0 (ok)\n"
    "40B7A8120C7F0000:error:0A00014D:SSL routines:tls_process_key_exchange:legacy sigalg disallowed or unsupported:x\n"
)


def test_openssl_verdict_prefers_the_verify_error_then_the_handshake_failure() -> None:
    assert openssl_verdict(OK, 0) == "exit 0: verify 0 (ok)"
    assert openssl_verdict(EXPIRED, 1) == "exit 1: verify error 10 (certificate has expired)"
    # "Verify return code: 0" is printed after a failed handshake too: the failure is the verdict
    assert openssl_verdict(LEGACY, 1) == "exit 1: handshake failed (legacy sigalg disallowed or unsupported)"
    assert openssl_verdict("CONNECTED(00000003)\n", 1) == "exit 1: handshake failed (no handshake)"


def test_openssl_probe_and_chain() -> None:
    assert openssl_accepted(OK, 0)
    assert not openssl_accepted(LEGACY, 0)
    assert not openssl_accepted(OK, 1)
    assert openssl_chain(OK) == "localhost > labctl demo Intermediate CA"
    assert openssl_chain("CONNECTED(00000003)\n") == "-"


def _cert(cn: str, algorithm: str = "ECPublicKey", bits: int = 256) -> dict[str, Any]:
    attributes = [
        {"oid": {"name": "organizationName"}, "value": "labctl demo"},
        {"oid": {"name": "commonName"}, "value": cn},
    ]
    return {"subject": {"attributes": attributes}, "public_key": {"algorithm": algorithm, "key_size": bits}}


def _completed(result: dict[str, Any]) -> dict[str, Any]:
    return {"status": "COMPLETED", "result": result}


def _sslyze(error: str | None, *, leaf: dict[str, Any], tls1: bool = False) -> dict[str, Any]:
    supplied = {"trust_store": {"name": "Supplied CA file"}, "was_validation_successful": error is None}
    deployment = {
        "received_certificate_chain": [leaf, _cert("labctl demo Intermediate CA")],
        "path_validation_results": [{**supplied, "validation_error": error}],
        "verified_chain_has_sha1_signature": False,
        "received_chain_has_valid_order": True,
    }
    suites = {"accepted_cipher_suites": [{"cipher_suite": {"openssl_name": "X"}}]}
    scan = {
        "certificate_info": _completed({"certificate_deployments": [deployment]}),
        "tls_1_0_cipher_suites": _completed(suites if tls1 else {"accepted_cipher_suites": []}),
        "tls_1_3_cipher_suites": _completed(
            {"accepted_cipher_suites": [] if tls1 else suites["accepted_cipher_suites"]}
        ),
        "heartbleed": _completed({"is_vulnerable_to_heartbleed": False}),
        "openssl_ccs_injection": _completed({"is_vulnerable_to_ccs_injection": True}),
        "robot": _completed({"robot_result": "NOT_VULNERABLE_RSA_NOT_SUPPORTED"}),
        "tls_fallback_scsv": _completed({"supports_fallback_scsv": False}),
    }
    return {"server_scan_results": [{"connectivity_status": "COMPLETED", "scan_result": scan}]}


def test_sslyze_view_reads_trust_protocols_chain_mozilla_and_the_extra_checks() -> None:
    text = "COMPLIANCE AGAINST TLS CONFIGURATION\n    localhost:1: FAILED - Not compliant.\n        * rsa_key_size: x\n"
    view = sslyze_view(_sslyze(None, leaf=_cert("localhost", "RSAPublicKey", 1024)), text, 1)
    assert view.verdict == "exit 1: trusted (supplied CA); leaf RSA-1024; Mozilla intermediate FAILED (rsa_key_size)"
    assert view.protocols == "1.3"
    assert view.suites == "1.3: X"
    assert view.chain == "localhost > labctl demo Intermediate CA"
    assert view.extra == "Heartbleed no, CCS injection VULNERABLE, ROBOT rsa_not_supported, FALLBACK_SCSV no"


def test_sslyze_validation_errors_are_shortened() -> None:
    error = (
        "validation failed: candidates exhausted: Forbidden signature algorithm: AlgorithmIdentifier { oid: "
        "DefinedByMarker(PhantomData), params: Other(ObjectIdentifier { oid: 1.2.840.10045.4.1 }, None) }"
    )
    view = sslyze_view(_sslyze(error, leaf=_cert("localhost"), tls1=True), "", 1)
    assert view.verdict.startswith(
        "exit 1: NOT trusted: candidates exhausted: Forbidden signature algorithm: OID 1.2.840"
    )
    assert view.protocols == "1.0"
    failed = {
        "server_scan_results": [{"connectivity_status": "ERROR", "connectivity_error_trace": {"exc_value": "refused"}}]
    }
    assert sslyze_view(failed, "", 1) == View("exit 1: refused", "-", "-")
    assert sslyze_view({"server_scan_results": []}, "", 2) == View("exit 2: no report written", "-", "-")


def test_labctl_view_and_the_agreement_column() -> None:
    doc = {
        "exit_code": 1,
        "findings": [{"code": "expires_soon", "level": "warning"}, {"code": "no_hsts", "level": "info"}],
        "protocols": [
            {"version": "TLSv1", "accepted": False, "ciphers": []},
            {"version": "TLSv1.3", "accepted": True, "ciphers": [{"name": "X"}]},
        ],
        "chain": [
            {"subject": "CN=localhost,O=labctl demo"},
            {"subject": "CN=labctl demo Intermediate CA,O=labctl demo"},
        ],
        "resumption": {"session_ids": True, "tickets": False, "tls13": True},
        "aws_policies": [{"name": "TLSv1.2_2025", "match": True}, {"name": "TLSv1", "match": False}],
        "groups": ["X25519", "ffdhe2048"],
    }
    view = labctl_view(doc)
    assert view == View(
        "exit 1: expires_soon",
        "1.3",
        "localhost > labctl demo Intermediate CA",
        "resumption session_ids+tls13; AWS TLSv1.2_2025; TLS 1.3 ffdhe2048",
        "1.3: X",
    )
    timed = {"labctl --json": Timed(1, "", 2.5, 3.0)}
    differs = View("exit 1: verify 0 (ok)", "1.3", "localhost")
    out = tables([Row("expiring", view, view, view, timed, 900.0), Row("x", view, differs, view, timed, 1.0)])
    assert "| expiring | 1.3 / 1.3 / 1.3 | localhost > labctl demo Intermediate CA | yes | yes |" in out
    assert "| x | 1.3 / 1.3 / 1.3 | localhost > labctl demo Intermediate CA | NO | yes |" in out
    assert "| expiring | 3.00 | 2.50 | 900 |" in out
