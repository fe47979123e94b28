"""`make bench`, the learner's lab: the spike on `labctl up --local` itself, waiting room off then on.

Each side starts its own lab (`labctl up --local --detach`, own LABCTL_HOME, free port: the front door, API
at LOG_LEVEL=INFO, queue service, worker, EMF shipper, moto), warms it with release-day journeys, then runs
`labctl load spike --local --json` exactly as a learner types it, and stops the lab. The waiting room side
differs only by its WAITING_ROOM_* settings (ADR 0022). CPU is sampled per lab process.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from labctl.local.ports import free_port
from labctl.local.sqs.bench import LABCTL, lab_pids, start_lab, stop_lab, wait_for_catalog
from labctl.paths import REPO_ROOT
from loadtests.cpu import CpuSampler

ROOM_ENV = {
    "WAITING_ROOM_ENABLED": "true",
    "WAITING_ROOM_MAX_IN_FLIGHT": "8",
    "WAITING_ROOM_BUDGET_MS": "120",
    "WAITING_ROOM_ADMIT_PER_S": "15",
}


def labctl_spike(home: Path, out: Path, scenario: str, users: int, seconds: float, check: bool) -> dict[str, Any]:
    """`labctl load spike --local --json` in home's lab; its document."""
    argv = [*LABCTL, "load", "spike", "--local", "--scenario", scenario, "--users", str(users)]
    argv += ["--duration", f"{int(seconds)}s", "--out-dir", str(out), "--json"]
    argv += [] if check else ["--no-check"]
    env = {**os.environ, "LABCTL_HOME": str(home)}
    done = subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, timeout=seconds + 600)
    if not done.stdout.strip():
        raise SystemExit(f"labctl load spike printed nothing: {done.stderr.decode(errors='replace')[-2000:]}")
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def lab_run(name: str, workdir: Path, args: Any, room_env: dict[str, str] | None) -> dict[str, Any]:
    """One side: start a lab, warm it, spike it, stop it."""
    home = workdir / name
    state = start_lab(home, free_port(), hold_ttl=10, extra_env=room_env)
    try:
        wait_for_catalog(home, 300)
        labctl_spike(home, workdir / f"{name}-warm-up", "steady", args.warmup_users, args.warmup_s, check=False)
        load_before = os.getloadavg()
        with CpuSampler(lab_pids(state)) as cpu:
            doc = labctl_spike(home, workdir / name / "run", "spike", args.users, args.spike_s, check=True)
        return lab_result(name, doc, cpu.summary(), load_before, room_env or {})
    finally:
        stop_lab(home)


def lab_result(
    name: str, doc: dict[str, Any], cpu: dict[str, Any], load_before: tuple[float, ...], room_env: dict[str, str]
) -> dict[str, Any]:
    """A bench run row from a `labctl load spike --json` document."""
    holds: dict[str, Any] = next((e for e in doc["endpoints"] if e["name"] == "POST /api/shows/{id}/holds"), {})
    counts = doc["total"]["status_counts"]
    return {
        "name": name,
        "scenario": doc["scenario"],
        "user_class": "ReleaseDayUser",
        "users": doc["users"],
        "duration_s": doc["duration_s"],
        "requests": doc["total"]["requests"],
        "rps": doc["total"]["rps"],
        "p50_ms": doc["total"]["p50_ms"],
        "p95_ms": doc["total"]["p95_ms"],
        "p99_ms": doc["total"]["p99_ms"],
        "holds": {k: holds.get(k) for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "status_counts")},
        "holds_peak": holds.get("phases", {}).get("peak", {}),
        "five_xx": sum(n for c, n in counts.items() if c != "0" and int(c) >= 500),
        "timeouts": counts.get("0", 0),
        "cpu": cpu,
        "locust_cpu": doc.get("locust_cpu", {}),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "invariants": doc["invariants"],
        "waiting_room": doc["waiting_room"],
        "goodput_holds_per_s": doc["goodput_holds_per_s"],
        "room_env": room_env,
    }


def learner_lab(workdir: Path, args: Any) -> list[dict[str, Any]]:
    """The spike on the learner's lab, waiting room off and on, side by side."""
    room = ROOM_ENV | dict(kv.split("=", 1) for kv in args.room_env)
    return [lab_run("lab-room-off", workdir, args, None), lab_run("lab-room-on", workdir, args, room)]
