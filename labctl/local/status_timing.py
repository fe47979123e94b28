"""`make status-timing`: how long `labctl status --local` takes to answer, healthy and with a stalled sidecar.

Against the running lab (`labctl up --local --detach` first): --runs answers with every service healthy,
then --runs with one service frozen by SIGSTOP (it keeps its port and accepts connections but never
answers, as a busy emulator does), which is woken with SIGCONT afterwards whatever happens. Each run is a
fresh `labctl status --local --json` process: wall time from spawn to exit, and the part the probes took.
Prints one JSON document with the load average; exit 1 when the slowest stalled answer exceeds --budget-s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from labctl.local.health import ANSWER_BUDGET_S
from labctl.local.running import require_running
from labctl.output import reporting

LABCTL = str(Path(sys.executable).with_name("labctl"))


def one_answer() -> dict[str, Any]:
    """One `labctl status --local --json`: wall seconds, probe seconds and each service's verdict."""
    t0 = time.perf_counter()
    done = subprocess.run([LABCTL, "status", "--local", "--json"], capture_output=True, timeout=300, check=False)
    wall = time.perf_counter() - t0
    doc = json.loads(done.stdout)
    health = {name: svc["health"] for name, svc in doc.get("services", {}).items()}
    return {"wall_s": round(wall, 3), "probe_s": doc.get("probe_seconds"), "exit": done.returncode, "health": health}


def series(runs: int) -> dict[str, Any]:
    """`runs` answers, with the median and the slowest."""
    answers = [one_answer() for _ in range(runs)]
    walls = [a["wall_s"] for a in answers]
    return {
        "median_s": round(statistics.median(walls), 3),
        "max_s": max(walls),
        "probe_median_s": statistics.median(a["probe_s"] or 0.0 for a in answers),
        "answers": answers,
    }


def measure(stall: str, runs: int) -> dict[str, Any]:
    """Healthy answers, then answers while `stall` is frozen (always woken again)."""
    lab = require_running()
    if stall not in lab.services:
        raise SystemExit(f"no service {stall!r} in the lab (services: {', '.join(lab.services)})")
    pid = lab.services[stall].pid
    healthy = series(runs)
    os.kill(pid, signal.SIGSTOP)
    try:
        stalled = series(runs)
    finally:
        os.kill(pid, signal.SIGCONT)
    return {
        "stalled_service": stall,
        "budget_s": ANSWER_BUDGET_S,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "healthy": healthy,
        "stalled": stalled,
        "stalled_verdict": stalled["answers"][-1]["health"].get(stall),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stall", default="sqs", help="the service to freeze with SIGSTOP (default: sqs)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget-s", type=float, default=ANSWER_BUDGET_S)
    args = parser.parse_args(argv)
    with reporting():  # no lab running: one line with its hint, not a trace
        result = measure(args.stall, args.runs)
    print(json.dumps(result, indent=2))
    return 0 if result["stalled"]["max_s"] <= args.budget_s else 1


if __name__ == "__main__":
    raise SystemExit(main())
