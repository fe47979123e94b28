"""Lab 03 check: your inspections of the broken chains, your handshake timings, and your repaired chain.

Run: labctl labs check 03   (a few seconds: reads ~/.labctl/labs/03, serves your fixed chain on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from labctl.labs import checklist
from labctl.labs.answers import Doc, lab_file, listed, read_doc
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


def _problems(doc: Doc) -> tuple[list[str], int]:
    findings = doc.get("findings")
    codes = (
        [str(f["code"]) for f in findings if isinstance(f, dict) and f.get("level") != "info"]
        if isinstance(findings, list)
        else []
    )
    return codes, int(str(doc.get("exit_code", -1)))


def check_scenarios() -> list[Result]:
    """Step 1: your saved `tls inspect --json` of each scenario reports exactly its finding and exit code."""
    results = []
    for scenario, (codes, exit_code) in EXPECTED.items():
        path = lab_file("03", f"inspect-{scenario}.json")
        doc = read_doc(path)
        if doc is None or "findings" not in doc:
            results.append(Result(f"scenario {scenario} inspected", None, f"not done yet: save {path} (step 1)"))
            continue
        got, got_exit = _problems(doc)
        ok = got == codes and got_exit == exit_code
        results.append(Result(f"scenario {scenario} inspected", ok, f"findings {got or 'none'}, exit {got_exit}"))
    return results


def check_round_trips() -> list[Result]:
    """Step 2: your saved handshakes at 50 ms RTT: a full TLS 1.2 handshake ~2 RTT, TLS 1.3 ~1."""
    ranges: dict[str, tuple[float, float, str]] = {"1.2": (1.8, 2.8, "~2 RTT"), "1.3": (0.9, 1.6, "~1 RTT")}
    results = []
    for version, (low, high, label) in ranges.items():
        path = lab_file("03", f"handshake-{version}.json")
        doc = read_doc(path)
        name = f"TLS {version} full handshake {label}"
        if doc is None:
            results.append(Result(name, None, f"not done yet: save {path} (step 2)"))
            continue
        rtts = next(
            (p.get("rtts") for p in listed(doc, "phases") if isinstance(p, dict) and p.get("phase") == "tls"), None
        )
        right = doc.get("rtt_ms") == 50 and doc.get("tls_version") == f"TLSv{version}"
        ok = right and isinstance(rtts, (int, float)) and low <= rtts <= high
        detail = f"measured {rtts} RTT at --rtt {doc.get('rtt_ms')} ms, {doc.get('tls_version')}"
        results.append(Result(name, ok, detail))
    return results


def check_fixed_chain(directory: Path) -> list[Result]:
    """Exercise 3: serve fixed-chain.pem with the missing-intermediate key; it must inspect clean."""
    name = "exercise: fixed-chain.pem repairs missing-intermediate"
    chain, key = directory / "fixed-chain.pem", directory / "missing-intermediate-key.pem"
    if not chain.is_file() or not key.is_file():
        return [Result(name, None, f"not done yet: create {chain} (README, exercise 3)")]
    pki = DemoPki(certfile=chain, keyfile=key, cafile=directory / "root-ca.pem")
    try:
        with DemoServer("missing-intermediate", directory, port=0, env=ENV, pki=pki) as server:
            report = inspect(parse_target(f"localhost:{server.port}"), cafile=pki.cafile)
            got, got_exit = _problems(report.to_json())
    except LabError as err:
        return [Result(name, False, f"{err.code}: {err.message}")]
    return [Result(name, got_exit == 0, f"findings {got or 'none'}, exit {got_exit}")]


def check(directory: Path = DEFAULT_DIR) -> list[Result]:
    """Your inspections, your handshake timings, and exercise 3 (a server that cannot start is a failed item)."""
    return check_scenarios() + check_round_trips() + check_fixed_chain(directory)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dir", dest="directory", type=Path, default=DEFAULT_DIR, help="where `labctl tls demo` wrote its files"
    )
    sys.exit(checklist.main(check, parser=parser))
