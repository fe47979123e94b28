"""The scan half of `tls inspect`: suites per version, groups, resumption, no-SNI, Mozilla and AWS verdicts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from OpenSSL import SSL

from labctl.tls.demo import DemoServer
from labctl.tls.pki import DemoPki, build_scenario
from tests.integration.tls_fixtures import PyOpenSSLServer, demo_servers, inspect_demo, run_cli

pytestmark = pytest.mark.timeout(90)

T13 = [
    ("TLS_AES_128_GCM_SHA256", 128),
    ("TLS_AES_256_GCM_SHA384", 256),
    ("TLS_CHACHA20_POLY1305_SHA256", 256),
]


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DemoServer]]:
    with demo_servers(tmp_path_factory.mktemp("scan-demo"), ("ok", "legacy-only", "sha1")) as running:
        yield running


def _inspect(port: int, pki: DemoPki | None, *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["tls", "inspect", f"localhost:{port}", "--json", *extra]
    code, out, _err = run_cli([*args, "--cafile", str(pki.cafile)] if pki else args)
    return code, json.loads(out)


def _accepted(report: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {p["version"]: [(c["name"], c["bits"]) for c in p["ciphers"]] for p in report["protocols"] if p["accepted"]}


def test_ok_lab_suites_groups_resumption_and_the_aws_policies_it_matches(demos: dict[str, DemoServer]) -> None:
    server = demos["ok"]
    _code, report = _inspect(server.port, server.pki)
    # hypercorn's "ECDHE+AESGCM" with an ECDSA certificate, and OpenSSL's three default TLS 1.3 suites
    accepted = _accepted(report)
    assert sorted(accepted["TLSv1.2"]) == [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", 128),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", 256),
    ]
    assert sorted(accepted["TLSv1.3"]) == T13
    assert set(accepted) == {"TLSv1.2", "TLSv1.3"}
    ciphers = [c for p in report["protocols"] for c in p["ciphers"]]
    assert all(c["forward_secrecy"] and c["kx"].startswith("ECDHE ") for c in ciphers)
    assert {"X25519", "prime256v1", "secp384r1"} <= set(report["groups"])
    assert report["resumption"] == {"session_ids": True, "tickets": True, "tls13": True}
    assert report["no_sni_certificate"]["same_as_sni"] is True
    exact = [m["name"] for m in report["aws_policies"] if m["match"]]
    assert exact == ["ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "TLSv1.2_2025"]
    recommended = next(m for m in report["aws_policies"] if m["name"] == "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert recommended["missing"] == ["ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"]
    assert recommended["extra"] == []
    # OpenSSL's default groups include X448 and secp521r1, which no Mozilla 5.7 profile lists (sslyze agrees)
    assert report["profile"]["mozilla"] == "none"
    assert report["profile"]["target"] == "intermediate"
    assert report["profile"]["deviations"] == [
        "accepts key-exchange groups X448, secp521r1 (intermediate: X25519, prime256v1, secp384r1)"
    ]
    assert report["elapsed_ms"] > 0


def test_legacy_only_server_shows_its_chain_and_fails_on_the_protocol(demos: dict[str, DemoServer]) -> None:
    server = demos["legacy-only"]
    code, report = _inspect(server.port, server.pki)
    assert code == 2
    assert report["legacy_client"] is True
    assert report["tls_version"] == "TLSv1.1"
    assert len(report["chain"]) == 2
    assert report["trusted"] is True
    expected = [("ECDHE-ECDSA-AES128-SHA", 128), ("ECDHE-ECDSA-AES256-SHA", 256)]
    assert {v: sorted(cs) for v, cs in _accepted(report).items()} == {"TLSv1": expected, "TLSv1.1": expected}
    legacy = next(f for f in report["findings"] if f["code"] == "legacy_protocol")
    assert legacy["level"] == "error"
    assert "only TLSv1, TLSv1.1" in legacy["message"]
    assert report["resumption"]["tls13"] is None
    assert report["profile"]["deviations"][0] == "accepts TLSv1, TLSv1.1 (intermediate allows TLSv1.2, TLSv1.3)"
    code, out, _err = inspect_demo(server)
    assert "presented chain, 2 certificate(s)" in out
    assert "connects only with TLS 1.0/1.1 allowed" in out


def test_sha1_signature_is_one_named_finding_not_a_raw_verify_code(demos: dict[str, DemoServer]) -> None:
    server = demos["sha1"]
    code, out, err = inspect_demo(server)
    assert code == 2
    assert "weak_signature" in out
    assert "ecdsa-with-SHA1" in out
    assert "verify error" not in out + err
    assert "chain_invalid" not in out


@pytest.fixture(scope="module")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DemoPki]:
    base = tmp_path_factory.mktemp("scan-pki")
    return {s: build_scenario(s, base) for s in ("ok", "self-signed", "weak-key")}


def test_pq_group_is_seen_and_matches_the_pq_alb_policy(pkis: dict[str, DemoPki]) -> None:
    ok = pkis["ok"]
    server = PyOpenSSLServer({"": (ok.certfile, ok.keyfile)}, min_version=SSL.TLS1_2_VERSION)
    try:
        _code, report = _inspect(server.port, ok)
    finally:
        server.close()
    assert "X25519MLKEM768" in report["groups"]
    kx = {c["kx"] for p in report["protocols"] if p["version"] == "TLSv1.3" for c in p["ciphers"]}
    assert kx == {"ECDHE+ML-KEM X25519MLKEM768"}
    by_name = {m["name"]: m for m in report["aws_policies"]}
    assert by_name["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"]["match"] is True
    assert by_name["ELBSecurityPolicy-TLS13-1-2-Res-2021-06"]["extra"] == ["X25519MLKEM768"]


def test_no_resumption_and_a_different_certificate_without_sni(pkis: dict[str, DemoPki]) -> None:
    ok, other = pkis["ok"], pkis["self-signed"]
    chains = {"": (other.certfile, other.keyfile), "localhost": (ok.certfile, ok.keyfile)}
    server = PyOpenSSLServer(chains, resumption=False)
    try:
        code, report = _inspect(server.port, ok)
    finally:
        server.close()
    assert report["resumption"] == {"session_ids": False, "tickets": False, "tls13": False}
    assert report["no_sni_certificate"]["same_as_sni"] is False
    codes = {f["code"]: f for f in report["findings"]}
    assert codes["no_session_resumption"]["level"] == "info"
    assert "issued by CN=localhost" in codes["default_certificate_differs"]["message"]
    assert report["trusted"] is True
    assert code == 0  # info only


def test_static_rsa_key_exchange_is_flagged_without_forward_secrecy(pkis: dict[str, DemoPki]) -> None:
    rsa = pkis["weak-key"]
    ciphers = b"ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:@SECLEVEL=0"
    server = PyOpenSSLServer({"": (rsa.certfile, rsa.keyfile)}, ciphers=ciphers)
    try:
        _code, report = _inspect(server.port, rsa)
    finally:
        server.close()
    tls12 = next(p for p in report["protocols"] if p["version"] == "TLSv1.2")
    assert {c["name"]: (c["kx"], c["forward_secrecy"]) for c in tls12["ciphers"]} == {
        "ECDHE-RSA-AES128-GCM-SHA256": ("ECDHE X25519", True),
        "AES128-GCM-SHA256": ("RSA", False),
    }
    nofs = next(f for f in report["findings"] if f["code"] == "no_forward_secrecy")
    assert nofs["level"] == "warning"
    assert "AES128-GCM-SHA256" in nofs["message"]
    assert "ECDHE-RSA" not in nofs["message"]


def _cn_only_leaf(directory: Path) -> tuple[Path, Path]:
    """A leaf for CN=localhost with no SAN at all, issued by the demo intermediate (so the chain is trusted)."""
    inter = x509.load_pem_x509_certificate((directory / "intermediate-ca.pem").read_bytes())
    inter_key = serialization.load_pem_private_key((directory / "intermediate-ca.key").read_bytes(), None)
    assert isinstance(inter_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(inter.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30 * 3))
        .sign(inter_key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cn-only-chain.pem", directory / "cn-only-key.pem"
    certfile.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, inter)))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certfile, keyfile


def test_cn_only_certificate_is_a_mismatch_that_explains_who_still_accepts_it(pkis: dict[str, DemoPki]) -> None:
    ok = pkis["ok"]
    server = PyOpenSSLServer({"": _cn_only_leaf(ok.cafile.parent)})
    try:
        code, report = _inspect(server.port, ok)
    finally:
        server.close()
    assert report["trusted"] is True
    assert report["hostname_match"] is False
    mismatch = next(f for f in report["findings"] if f["code"] == "hostname_mismatch")
    assert "only in the subject CN" in mismatch["message"]
    assert "curl, Python" in mismatch["message"]
    assert code == 2
