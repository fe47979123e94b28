"""`python -m labctl.tls.compare --sslyze PYTHON`: each demo scenario through labctl, openssl s_client and sslyze.

Run by hand (`make compare-tls`), never by `make test`: it needs the openssl program and sslyze in a virtualenv
of its own (sslyze pins another cryptography), and takes a few minutes. Tools run one after another against one
hypercorn per scenario, so their wall times are comparable; every raw output is kept next to the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from labctl.paths import REPO_ROOT
from labctl.tls.demo import DemoServer
from labctl.tls.peers import View, labctl_view, openssl_accepted, openssl_chain, openssl_verdict, sslyze_view
from labctl.tls.pki import SCENARIOS, Scenario

# one probe per version; security level 0 so the probe asks "does the server speak it", not "is it safe"
PROBES = {"1.0": "-tls1", "1.1": "-tls1_1", "1.2": "-tls1_2", "1.3": "-tls1_3"}
TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Timed:
    """One program run: exit status, combined output, wall seconds, 1-minute load average when it started."""

    returncode: int
    output: str
    seconds: float
    load: float


@dataclass(frozen=True)
class Row:
    """One scenario: each tool's view and what it cost."""

    scenario: str
    labctl: View
    openssl: View
    sslyze: View
    times: dict[str, Timed]
    labctl_elapsed_ms: float  # labctl's own scan time, without interpreter start-up


def run(argv: list[str], log: Path) -> Timed:
    """Run argv with no stdin (s_client then closes after the handshake), keep its output in log."""
    load, started = os.getloadavg()[0], time.perf_counter()
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT_S)
        code, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired:
        code, output = -1, f"timed out after {TIMEOUT_S:.0f} s"
    seconds = time.perf_counter() - started
    log.write_text(f"$ {shlex.join(argv)}\n# exit {code}, {seconds:.2f} s, load {load:.2f}\n{output}")
    return Timed(code, output, seconds, load)


def _openssl(port: int, cafile: Path, logs: Path) -> tuple[View, Timed, Timed]:
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-showcerts"]
    verify = run(
        [*base, "-verify_hostname", "localhost", "-CAfile", str(cafile), "-verify_return_error"],
        logs / "openssl-verify.txt",
    )
    accepted, chain, probe_s, probe_load = [], openssl_chain(verify.output), 0.0, os.getloadavg()[0]
    for version, flag in PROBES.items():
        probe = run([*base, flag, "-cipher", "DEFAULT:@SECLEVEL=0"], logs / f"openssl{flag}.txt")
        probe_s += probe.seconds
        if openssl_accepted(probe.output, probe.returncode):
            accepted.append(version)
            chain = chain if chain != "-" else openssl_chain(probe.output)  # the chain even when verify refused it
    verdict = openssl_verdict(verify.output, verify.returncode)
    return (
        View(verdict=verdict, protocols=" ".join(accepted) or "-", chain=chain),
        verify,
        Timed(0, "", probe_s, probe_load),
    )


def compare(scenario: Scenario, sslyze_python: str, out: Path) -> Row:
    """Serve one scenario and put the three tools to it, one after another."""
    logs = out / scenario
    logs.mkdir(parents=True, exist_ok=True)
    env = {"STORE": "memory", "WEB_DIR": str(REPO_ROOT / "web")}
    labctl = str(Path(sys.executable).with_name("labctl"))
    with DemoServer(scenario, out / "pki", port=0, env=env) as server:
        assert server.pki is not None
        port, cafile = server.port, server.pki.cafile
        inspect = [labctl, "tls", "inspect", f"localhost:{port}", "--cafile", str(cafile)]
        as_json = run([*inspect, "--json"], logs / "labctl-json.txt")
        text = run(inspect, logs / "labctl.txt")
        doc, _end = json.JSONDecoder().raw_decode(as_json.output, as_json.output.index("{"))
        openssl, verify, probes = _openssl(port, cafile, logs)
        report = logs / "sslyze.json"
        argv = [sslyze_python, "-m", "sslyze", f"localhost:{port}", "--certinfo_ca_file", str(cafile)]
        sslyze = run([*argv, "--json_out", str(report)], logs / "sslyze.txt")
        sslyze_doc = json.loads(report.read_text()) if report.exists() else {"server_scan_results": []}
    return Row(
        scenario=scenario,
        labctl=labctl_view(doc),
        openssl=openssl,
        sslyze=sslyze_view(sslyze_doc, sslyze.output, sslyze.returncode),
        times={
            "labctl --json": as_json,
            "labctl text": text,
            "openssl verify": verify,
            "openssl probes": probes,
            "sslyze": sslyze,
        },
        labctl_elapsed_ms=float(doc["elapsed_ms"]),
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _agree(same: bool) -> str:
    return "yes" if same else "NO"


def tables(rows: list[Row]) -> str:
    """The verdicts, the protocols and chains (with whether the tools agree), the extra checks, the timings."""
    lines = ["| scenario | labctl tls inspect | openssl s_client (verify) | sslyze |", "|---|---|---|---|"]
    lines += [
        f"| {r.scenario} | {_cell(r.labctl.verdict)} | {_cell(r.openssl.verdict)} | {_cell(r.sslyze.verdict)} |"
        for r in rows
    ]
    lines += [
        "",
        "| scenario | protocols labctl / openssl / sslyze | chain sent (labctl) | chains agree | suites agree |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        protocols = " / ".join(v.protocols for v in (r.labctl, r.openssl, r.sslyze))
        chains = _agree(len({v.chain for v in (r.labctl, r.openssl, r.sslyze)}) == 1)
        suites = _agree(r.labctl.suites == r.sslyze.suites)  # s_client asks for one suite per version: not compared
        lines.append(f"| {r.scenario} | {protocols} | {r.labctl.chain} | {chains} | {suites} |")
    lines += ["", "| scenario | labctl only | sslyze only (labctl does not check) |", "|---|---|---|"]
    lines += [f"| {r.scenario} | {r.labctl.extra} | {r.sslyze.extra} |" for r in rows]
    heads = list(rows[0].times) if rows else []
    lines += [
        "",
        "| scenario | load 1 min | " + " | ".join(f"{h} s" for h in heads) + " | labctl scan ms |",
        "|---|" + "---|" * (len(heads) + 2),
    ]
    for r in rows:
        secs = " | ".join(f"{r.times[h].seconds:.2f}" for h in heads)
        lines.append(f"| {r.scenario} | {r.times[heads[0]].load:.2f} | {secs} | {r.labctl_elapsed_ms:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Compare every scenario (or those named), print the tables and where the raw outputs are."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sslyze", required=True, help="python of a virtualenv with sslyze 6.x installed")
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--out", type=Path, help="where to keep raw outputs (default: a new temporary directory)")
    args = parser.parse_args(argv)
    if shutil.which("openssl") is None:
        parser.error("the openssl program is not on PATH (apt-get install openssl)")
    probe = subprocess.run([args.sslyze, "-c", "import sslyze"], capture_output=True, check=False)
    if probe.returncode != 0:
        hint = "`make compare-tls` installs it into .tools/sslyze from requirements/sslyze.txt (hashes checked)"
        parser.error(f"{args.sslyze} cannot import sslyze; {hint}")
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="tls-compare-"))
    out.mkdir(parents=True, exist_ok=True)
    before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"labctl vs openssl vs sslyze, loopback; load average before: {before}; {os.cpu_count()} CPUs", flush=True)
    rows = [compare(cast("Scenario", s), args.sslyze, out) for s in args.scenarios]
    report = tables(rows) + f"\n\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    (out / "compare.md").write_text(report)
    print(report + f"raw outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
