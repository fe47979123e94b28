"""`labctl net handshake` and `net compare-http` against a real hypercorn (h2 + http/1.1) over the delay proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from labctl.tls.demo import DemoServer
from tests.integration.tls_fixtures import APP_SPEC, run_cli

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with DemoServer("ok", tmp_path_factory.mktemp("net"), port=0, http_port=0, app=APP_SPEC) as running:
        yield running


def _json(args: list[str]) -> dict[str, Any]:
    code, out, err = run_cli(args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _handshake(server: DemoServer, *extra: str) -> dict[str, Any]:
    assert server.pki is not None
    return _json(["net", "handshake", server.url, "--cafile", str(server.pki.cafile), "--json", *extra])


def _phase(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in report["phases"] if p["phase"] == name)


def test_tls12_costs_one_round_trip_more_than_tls13_at_50ms(server: DemoServer) -> None:
    r12 = _handshake(server, "--rtt", "50ms", "--count", "3", "--tls", "1.2")
    r13 = _handshake(server, "--rtt", "50ms", "--count", "3", "--tls", "1.3")
    assert (r12["tls_version"], r13["tls_version"]) == ("TLSv1.2", "TLSv1.3")
    # the network sets a floor, CPU on a busy machine only adds: judge round trips on the fastest run
    fast12, fast13 = ({phase: min(values) for phase, values in r["samples_ms"].items()} for r in (r12, r13))
    for report, fast in ((r12, fast12), (r13, fast13)):
        assert report["rtt_ms"] == 50.0
        assert report["http"] == "2"
        assert report["runs"] == 3
        assert fast["tcp"] >= 50.0  # the 3-way handshake is one full RTT
        assert 50.0 <= fast["ttfb"] < 80.0
    assert 1.5 <= fast12["tls"] / fast13["tls"] <= 2.5  # 2 RTT against 1 RTT, plus a little CPU on each
    assert 100.0 <= fast12["tls"] < 140.0
    assert 50.0 <= fast13["tls"] < 80.0
    # before the first request byte: TCP + TLS 1.2 = 3 RTT, TCP + TLS 1.3 = 2 RTT
    assert 150.0 <= fast12["setup"] < 200.0
    assert 100.0 <= fast13["setup"] < 150.0
    assert _phase(r12, "setup")["expected_rtts"] == 3.0
    assert _phase(r13, "setup")["expected_rtts"] == 2.0
    # resumption turns the TLS 1.2 handshake into 1 RTT
    assert r12["resumed"] == 3
    assert 50.0 <= fast12["tls_resumed"] < 80.0


def test_http11_direct_run_reports_every_phase(server: DemoServer) -> None:
    report = _handshake(server, "--http", "1.1", "--count", "3")
    assert report["http"] == "1.1"
    assert report["rtt_ms"] is None
    assert report["runs"] == 3
    names = [p["phase"] for p in report["phases"]]
    assert names == ["dns", "tcp", "tls", "tls_resumed", "ttfb", "transfer", "setup", "first_byte"]
    assert all(len(v) == 3 for k, v in report["samples_ms"].items() if k != "tls_resumed")
    assert report["rtt_basis_ms"] > 0
    assert _phase(report, "tls")["median_ms"] > 0


def test_an_ip_target_is_checked_against_the_ip_san(server: DemoServer) -> None:
    assert server.pki is not None
    url = f"https://127.0.0.1:{server.port}/"
    report = _json(["net", "handshake", url, "--cafile", str(server.pki.cafile), "--count", "1", "--json"])
    assert report["ip"] == "127.0.0.1"
    assert report["tls_version"] == "TLSv1.3"
    assert report["runs"] == 1


def test_plain_http_has_no_tls_phase_and_reaches_first_byte_in_two_rtt(server: DemoServer) -> None:
    assert server.http_url is not None
    report = _json(["net", "handshake", f"{server.http_url}api/movies", "--rtt", "50ms", "--count", "3", "--json"])
    assert report["tls_version"] is None
    assert report["http"] == "1.1"
    assert [p["phase"] for p in report["phases"]] == ["dns", "tcp", "ttfb", "transfer", "setup", "first_byte"]
    assert _phase(report, "first_byte")["expected_rtts"] == 2.0
    assert 100.0 <= min(report["samples_ms"]["first_byte"]) < 140.0  # 2 RTT: SYN/SYN-ACK, GET/response


def test_human_output_shows_the_phase_table(server: DemoServer) -> None:
    assert server.pki is not None
    args = ["net", "handshake", server.url, "--cafile", str(server.pki.cafile), "--count", "1", "--rtt", "20ms"]
    code, out, _err = run_cli(args)
    assert code == 0
    assert "TCP connect" in out
    assert "TLS handshake (full)" in out
    assert "1 RTT = 20.0 ms" in out


def test_untrusted_chain_is_a_clear_error(server: DemoServer) -> None:
    code, out, err = run_cli(["net", "handshake", server.url, "--count", "1"])
    assert code == 2
    assert "error certificate_untrusted:" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("args", "error_code"),
    [
        (["ftp://localhost/"], "invalid_url"),
        (["localhost:8443"], "invalid_url"),
        (["https://localhost/", "--rtt", "fast"], "invalid_duration"),
        (["https://localhost/", "--http", "3"], "invalid_http_version"),
        (["https://localhost/", "--tls", "1.1"], "invalid_tls_version"),
        (["https://no-such-host.invalid/"], "dns_resolution_failed"),
    ],
)
def test_bad_input_fails_with_a_stable_code(args: list[str], error_code: str) -> None:
    code, out, err = run_cli(["net", "handshake", *args])
    assert code == 2
    assert f"error {error_code}:" in err
    assert "Traceback" not in out + err


def test_wrong_scheme_for_the_port_is_a_clear_error(server: DemoServer) -> None:
    assert server.http_port is not None
    cases = {
        f"https://localhost:{server.http_port}/": "tls_handshake_failed",  # TLS to the plain-HTTP port
        f"http://localhost:{server.port}/": "http_failed",  # plain HTTP to the TLS port
    }
    for url, error_code in cases.items():
        code, out, err = run_cli(["net", "handshake", url, "--count", "1"])
        assert code == 2, url
        assert f"error {error_code}:" in err, err
        assert "Traceback" not in out + err


def test_closed_port_is_connection_refused_even_through_the_proxy() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _out, err = run_cli(["net", "handshake", f"https://localhost:{port}/", "--count", "1"])
    assert code == 2
    assert "error connection_refused:" in err
    code, _out, err = run_cli(["net", "handshake", f"https://localhost:{port}/", "--count", "1", "--rtt", "10ms"])
    assert code == 2
    assert "error connection_refused:" in err  # found before the proxy is even started


def _compare(server: DemoServer, *extra: str) -> dict[str, dict[str, Any]]:
    assert server.pki is not None
    args = ["net", "compare-http", f"{server.url}asset", "--cafile", str(server.pki.cafile), "--json", *extra]
    return {r["protocol"]: r for r in _json(args)["runs"]}


def test_http2_multiplexes_on_one_connection_http11_opens_several(server: DemoServer) -> None:
    runs = _compare(server, "--assets", "30", "--rtt", "50ms")
    h1, h2 = runs["HTTP/1.1"], runs["HTTP/2"]
    assert h2["connections"] == 1
    assert h2["tls_handshakes"] == 1
    assert 2 <= h1["connections"] <= 6
    assert h1["tls_handshakes"] == h1["connections"]
    assert h1["requests"] == h2["requests"] == 30
    assert h1["errors"] == h2["errors"] == 0
    # 30 fetches over <= 6 connections queue ~5 deep (~8 RTT in all); one h2 connection needs ~4 RTT
    assert h2["total_ms"] < h1["total_ms"]


def test_compare_needs_https(server: DemoServer) -> None:
    code, _out, err = run_cli(["net", "compare-http", f"http://localhost:{server.port}/"])
    assert code == 2
    assert "error https_required:" in err
