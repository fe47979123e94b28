"""Lab 03 check: the broken chains, the round trips and HTTP/2 behave as the README says, and your fix works.

Run: python labs/03-tls/check.py [--dir ~/.labctl/tls-demo]   (about 15 s idle; everything stays on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from labctl.labs import checklist
from labctl.net.compare import compare
from labctl.net.handshake import run as handshake
from labctl.net.phases import TlsVersion
from labctl.output import LabError
from labctl.tls.demo import DEFAULT_DIR, DemoServer
from labctl.tls.inspect import inspect
from labctl.tls.pki import DemoPki, Scenario
from labctl.tls.target import parse_target

# what each scenario must report (errors and warnings; info findings are ignored here)
EXPECTED: dict[Scenario, tuple[list[str], int]] = {
    "ok": ([], 0),
    "expired": (["expired"], 2),
    "expiring": (["expires_soon"], 1),
    "wrong-host": (["hostname_mismatch"], 2),
    "missing-intermediate": (["incomplete_chain"], 2),
    "self-signed": (["self_signed"], 2),
}
ENV = {"STORE": "memory"}


@dataclass
class Result:
    name: str
    ok: bool | None  # None: not attempted yet (an exercise still to do)
    detail: str


def _problems(server: DemoServer) -> tuple[list[str], int]:
    assert server.pki is not None
    report = inspect(parse_target(f"localhost:{server.port}"), cafile=server.pki.cafile)
    return [f.code for f in report.findings if f.level != "info"], report.exit_code


def check_scenarios(workdir: Path) -> list[Result]:
    """Every scenario yields exactly its finding and exit code."""
    results = []
    for scenario, (codes, exit_code) in EXPECTED.items():
        with DemoServer(scenario, workdir, port=0, env=ENV) as server:
            got, got_exit = _problems(server)
        ok = got == codes and got_exit == exit_code
        results.append(Result(f"scenario {scenario}", ok, f"findings {got or 'none'}, exit {got_exit}"))
    return results


def check_round_trips(workdir: Path) -> list[Result]:
    """At 50 ms RTT, a full TLS 1.2 handshake costs ~2 RTT, TLS 1.3 ~1; HTTP/2 needs one connection."""
    with DemoServer("ok", workdir, port=0, env=ENV) as server:
        assert server.pki is not None
        ca = str(server.pki.cafile)
        rtts: dict[str, float] = {}
        versions: tuple[TlsVersion, ...] = ("1.2", "1.3")
        for version in versions:
            report = handshake(server.url, count=3, tls=version, rtt_ms=50, cafile=ca)
            rtts[version] = next(r["rtts"] for r in report.rows() if r["phase"] == "tls")
        target = parse_target(f"{server.url}healthz")
        h1, h2 = compare(f"{server.url}healthz", target, "127.0.0.1", assets=30, rtt_ms=20, cafile=ca)
    return [
        Result("TLS 1.2 full handshake ~2 RTT", 1.8 <= rtts["1.2"] <= 2.8, f"measured {rtts['1.2']} RTT"),
        Result("TLS 1.3 full handshake ~1 RTT", 0.9 <= rtts["1.3"] <= 1.6, f"measured {rtts['1.3']} RTT"),
        Result(
            "HTTP/2 multiplexes on one connection",
            h2.connections == 1 and h1.connections > 1,
            f"HTTP/1.1 {h1.connections} connections {h1.total_ms:.0f} ms, HTTP/2 {h2.connections} "
            f"connection {h2.total_ms:.0f} ms",
        ),
    ]


def check_fixed_chain(directory: Path) -> list[Result]:
    """Exercise 3: serve fixed-chain.pem with the missing-intermediate key; it must inspect clean."""
    name = "exercise: fixed-chain.pem repairs missing-intermediate"
    chain, key = directory / "fixed-chain.pem", directory / "missing-intermediate-key.pem"
    if not chain.is_file() or not key.is_file():
        return [Result(name, None, f"not done yet: create {chain} (README, exercise 3)")]
    pki = DemoPki(certfile=chain, keyfile=key, cafile=directory / "root-ca.pem")
    try:
        with DemoServer("missing-intermediate", directory, port=0, env=ENV, pki=pki) as server:
            got, got_exit = _problems(server)
    except LabError as err:
        return [Result(name, False, f"{err.code}: {err.message}")]
    return [Result(name, got_exit == 0, f"findings {got or 'none'}, exit {got_exit}")]


def check(directory: Path = DEFAULT_DIR) -> list[Result]:
    """Every scenario, the round trips, and exercise 3 (a step that cannot run is one failed `setup` item)."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="lab03-") as tmp:
        steps: list[Callable[[], list[Result]]] = [
            lambda: check_scenarios(Path(tmp)),
            lambda: check_round_trips(Path(tmp)),
            lambda: check_fixed_chain(directory),
        ]
        for step in steps:
            try:
                results += step()
            except LabError as err:
                results.append(Result("setup", False, f"{err.code}: {err.message}"))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dir", dest="directory", type=Path, default=DEFAULT_DIR, help="where `labctl tls demo` wrote its files"
    )
    sys.exit(checklist.main(check, parser=parser))
