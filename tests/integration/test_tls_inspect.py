"""`labctl tls inspect` against every demo scenario served by hypercorn, plus the mistakes learners make."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labctl.tls.demo import DemoServer
from labctl.tls.pki import SCENARIOS
from tests.integration.tls_fixtures import (
    HSTS_VALUE,
    LegacyTlsServer,
    PlainHttpServer,
    demo_servers,
    inspect_demo,
    run_cli,
)

pytestmark = pytest.mark.timeout(150)  # nine hypercorn start-ups and nine full scans on a shared 2-core box

INFO = ["no_ocsp_stapling", "no_hsts"]  # hypercorn staples nothing and the tiny app sends no HSTS
EXPECTED: dict[str, tuple[list[str], int]] = {
    "ok": (INFO, 0),
    "expired": (["expired", *INFO], 2),
    "expiring": (["expires_soon", *INFO], 1),
    "wrong-host": (["hostname_mismatch", *INFO], 2),
    "missing-intermediate": (["incomplete_chain", *INFO], 2),
    "self-signed": (["self_signed", *INFO], 2),
    # TLS 1.0/1.1 only: the chain is still fetched and shown, the protocol is the error
    "legacy-only": (["legacy_protocol", "no_tls13", "no_h2", "no_ocsp_stapling"], 2),
    "weak-key": (["weak_key", *INFO], 2),
    "sha1": (["weak_signature", *INFO], 2),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DemoServer]]:
    with demo_servers(tmp_path_factory.mktemp("tls-demo"), SCENARIOS) as running:
        yield running


def _inspect(args: list[str]) -> tuple[int, dict[str, Any]]:
    code, out, _err = run_cli(["tls", "inspect", *args, "--json"])
    return code, json.loads(out)


def test_every_scenario_has_exactly_its_findings_and_exit_code(servers: dict[str, DemoServer]) -> None:
    assert set(EXPECTED) == set(SCENARIOS)
    for scenario, (codes, exit_code) in EXPECTED.items():
        server = servers[scenario]
        assert server.pki is not None
        code, report = _inspect([f"localhost:{server.port}", "--cafile", str(server.pki.cafile)])
        findings = report["findings"]
        assert isinstance(findings, list)
        assert [f["code"] for f in findings] == codes, scenario
        assert code == exit_code, scenario


def test_ok_scenario_reports_the_full_chain_and_connection(servers: dict[str, DemoServer]) -> None:
    server = servers["ok"]
    assert server.pki is not None
    code, report = _inspect([f"https://localhost:{server.port}/", "--cafile", str(server.pki.cafile)])
    assert code == 0
    assert report["trusted"] is True
    assert report["hostname_match"] is True
    assert report["ip"] == "127.0.0.1"
    assert report["port"] == server.port
    assert report["tls_version"] == "TLSv1.3"
    assert report["alpn"] == "h2"
    assert [(p["version"], p["accepted"]) for p in report["protocols"]] == [
        ("TLSv1", False),
        ("TLSv1.1", False),
        ("TLSv1.2", True),
        ("TLSv1.3", True),
    ]
    chain = report["chain"]
    assert isinstance(chain, list)
    assert len(chain) == 2
    leaf, inter = chain
    assert leaf["sans"] == ["localhost", "127.0.0.1", "::1"]
    assert leaf["issuer"] == inter["subject"] == "CN=labctl demo Intermediate CA,O=labctl demo"
    assert leaf["key"] == {"type": "EC", "bits": 256}
    assert leaf["signature_algorithm"] == "ecdsa-with-SHA256"
    assert 88 <= leaf["days_left"] <= 90
    assert inter["is_ca"] is True
    assert leaf["is_ca"] is False
    assert len(leaf["sha256"].split(":")) == 32


def test_wrong_host_chain_is_trusted_but_not_for_this_name(servers: dict[str, DemoServer]) -> None:
    server = servers["wrong-host"]
    assert server.pki is not None
    _code, report = _inspect([f"localhost:{server.port}", "--cafile", str(server.pki.cafile)])
    assert report["trusted"] is True
    assert report["hostname_match"] is False


def test_system_store_does_not_trust_the_demo_root(servers: dict[str, DemoServer]) -> None:
    code, report = _inspect([f"localhost:{servers['ok'].port}"])
    assert [f["code"] for f in report["findings"]] == ["untrusted_root", *INFO]
    assert code == 2
    assert report["trusted"] is False


def test_sni_override_checks_the_name_sent_not_the_host_dialled(servers: dict[str, DemoServer]) -> None:
    server = servers["ok"]
    assert server.pki is not None
    args = ["127.0.0.1", "--port", str(server.port), "--servername", "www.example.test"]
    code, report = _inspect([*args, "--cafile", str(server.pki.cafile)])
    assert report["servername"] == "www.example.test"
    assert report["hostname_match"] is False
    assert code == 2


def test_ip_literal_matches_the_ip_san(servers: dict[str, DemoServer]) -> None:
    server = servers["ok"]
    assert server.pki is not None
    code, report = _inspect([f"127.0.0.1:{server.port}", "--cafile", str(server.pki.cafile)])
    assert report["servername"] is None
    assert report["hostname_match"] is True
    assert code == 0


def test_legacy_protocols_are_a_warning_and_hsts_is_read(servers: dict[str, DemoServer]) -> None:
    pki = servers["ok"].pki
    assert pki is not None
    legacy = LegacyTlsServer(pki.certfile, pki.keyfile)
    try:
        code, report = _inspect([f"localhost:{legacy.port}", "--cafile", str(pki.cafile)])
    finally:
        legacy.close()
    assert [p["accepted"] for p in report["protocols"]] == [True, True, True, True]
    # "ALL" also admits anonymous ECDH suites: no authentication, so anyone in the path can impersonate the server
    assert [f["code"] for f in report["findings"]] == [
        "weak_cipher",
        "weak_cipher",
        "weak_cipher",
        "legacy_protocol",
        "no_h2",
        "no_ocsp_stapling",
    ]
    assert all("AECDH-AES128-SHA" in f["message"] for f in report["findings"] if f["code"] == "weak_cipher")
    assert report["hsts"] == HSTS_VALUE
    assert code == 2


def test_human_output_names_the_problem(servers: dict[str, DemoServer]) -> None:
    server = servers["missing-intermediate"]
    code, out, _err = inspect_demo(server)
    assert code == 2
    assert "incomplete_chain" in out
    assert "presented chain, 1 certificate" in out
    assert "trusted no" in out


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("target", "error_code"),
    [
        ("no-such-host.invalid", "dns_resolution_failed"),
        ("https://bad host:x/", "invalid_target"),
        ("ftp://localhost/", "invalid_target"),
        ("localhost:70000", "invalid_target"),
    ],
)
def test_bad_targets_fail_with_a_stable_code(target: str, error_code: str) -> None:
    code, out, err = run_cli(["tls", "inspect", target])
    assert code == 2
    assert f"error {error_code}:" in err
    assert "hint:" in err
    assert "Traceback" not in out + err


def test_closed_port_is_connection_refused() -> None:
    code, out, _err = run_cli(["tls", "inspect", f"localhost:{_closed_port()}", "--json"])
    assert code == 2
    assert json.loads(out)["error"]["code"] == "connection_refused"


def test_plain_http_port_is_named_as_such() -> None:
    server = PlainHttpServer()
    try:
        code, out, err = run_cli(["tls", "inspect", f"localhost:{server.port}"])
    finally:
        server.close()
    assert code == 2
    assert "error not_tls:" in err
    assert "plain HTTP" in err
    assert "Traceback" not in out + err


def test_missing_cafile_is_reported(tmp_path: Path, servers: dict[str, DemoServer]) -> None:
    code, _out, err = run_cli(["tls", "inspect", f"localhost:{servers['ok'].port}", "--cafile", str(tmp_path / "x")])
    assert code == 2
    assert "error cafile_not_found:" in err
