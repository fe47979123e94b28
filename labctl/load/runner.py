"""Run Locust headless as a subprocess and show its live numbers (users, rps, p95, failures)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labctl.output import LabError

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = REPO_ROOT / "loadtests" / "locustfile.py"
USER_CLASS = {"spike": "ReleaseDayUser", "steady": "ReleaseDayUser", "hot-seat": "HotSeatUser"}
GRACE_S = 90.0  # catalog discovery + stopping users; a run longer than duration + this is stuck


@dataclass(frozen=True)
class RunSpec:
    target: str
    scenario: str
    users: int
    duration_s: float
    out_dir: Path
    user_class: str = ""  # default: the scenario's own (USER_CLASS); "HealthUser" for the baseline
    html: Path | None = None
    csv_prefix: str | None = None


def locust_argv(spec: RunSpec) -> list[str]:
    """The locust command line for spec."""
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", spec.target]
    argv += ["--scenario", spec.scenario, "--load-users", str(spec.users), "--duration-s", str(spec.duration_s)]
    argv += ["--out-dir", str(spec.out_dir), "--exit-code-on-error", "0", "--only-summary", "--stop-timeout", "5"]
    if spec.html:
        argv += ["--html", str(spec.html)]
    if spec.csv_prefix:
        argv += ["--csv", spec.csv_prefix]
    return [*argv, spec.user_class or USER_CLASS[spec.scenario]]


def read_live(out_dir: Path) -> dict[str, Any] | None:
    """The latest live numbers the Locust process wrote (None before the first tick)."""
    try:
        data: dict[str, Any] = json.loads((out_dir / "live.json").read_text())
    except (OSError, ValueError):
        return None
    return data


def run(spec: RunSpec, on_tick: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run Locust to completion; return its summary (loadtests/locustfile.py writes summary.json)."""
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    log_path = spec.out_dir / "locust.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(locust_argv(spec), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    deadline = time.monotonic() + spec.duration_s + GRACE_S
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                raise LabError("load_run_timeout", "Locust did not finish in time.", f"See {log_path}.")
            live = read_live(spec.out_dir)
            if on_tick is not None and live is not None:
                on_tick(live)
            time.sleep(0.5)
    except KeyboardInterrupt:
        proc.terminate()  # Locust stops its users and still writes the summary
        proc.wait(timeout=30)
    summary_path = spec.out_dir / "summary.json"
    if not summary_path.exists():
        tail = log_path.read_text(errors="replace").strip().splitlines()[-8:]
        raise LabError("load_run_failed", f"Locust exited with code {proc.returncode} and no summary.", "\n".join(tail))
    result: dict[str, Any] = json.loads(summary_path.read_text())
    return result
