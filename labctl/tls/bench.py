"""`make bench-tls`: how long one `labctl tls inspect` scan takes per demo scenario, on loopback.

Starts each scenario's HTTPS lab (hypercorn serving the booking API, STORE=memory), runs the full
inspect in-process --runs times, and prints median / p95 / max per scenario with the load average,
because on a shared machine the number means little without it. Target: under 5 s per server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

from labctl.paths import REPO_ROOT
from labctl.tls.demo import DemoServer
from labctl.tls.inspect import inspect
from labctl.tls.pki import SCENARIOS, Scenario
from labctl.tls.target import parse_target

TARGET_MS = 5000.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(scenario: str, directory: Path, runs: int) -> list[float]:
    """Elapsed ms of `runs` full inspects against one running scenario."""
    env = {"STORE": "memory", "WEB_DIR": str(REPO_ROOT / "web")}
    with DemoServer(cast("Scenario", scenario), directory, port=0, env=env) as server:
        assert server.pki is not None
        target = parse_target(f"localhost:{server.port}")
        inspect(target, cafile=server.pki.cafile)  # warm: imports, the server's first TLS contexts
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            inspect(target, cafile=server.pki.cafile)
            times.append((time.perf_counter() - started) * 1000)
        return times


def main(argv: list[str] | None = None) -> int:
    """Print one row per scenario; exit 1 if any p95 misses the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"tls inspect scan time, loopback, {args.runs} runs each; load average before: {load}; {os.cpu_count()} CPUs")
    print("| scenario | median ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenarios:
            times = measure(scenario, Path(tmp), args.runs)
            worst = max(worst, _p95(times))
            print(f"| {scenario} | {statistics.median(times):.0f} | {_p95(times):.0f} | {max(times):.0f} |", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
