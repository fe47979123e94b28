"""Run Locust headless and show its live numbers (users, rps, p95, failures).

One process by default. With workers > 0 Locust runs distributed: a master (runs the load shape, merges
the results) and that many worker processes here; more workers may join from other machines with
`labctl load worker --master HOST:PORT`. Each Locust process's CPU is sampled while it runs: a process
near 100% of a core is the load generator limiting the run, not the system under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil

from labctl.local.ports import free_port
from labctl.output import LabError
from labctl.paths import REPO_ROOT

LOCUSTFILE = REPO_ROOT / "loadtests" / "locustfile.py"
USER_CLASS = {"spike": "ReleaseDayUser", "steady": "ReleaseDayUser", "hot-seat": "HotSeatUser"}
GRACE_S = 90.0  # catalog discovery + stopping users; a run longer than duration + this is stuck
MASTER_PORT = 5557  # Locust's default; workers on other machines connect here


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
    workers: int = 0  # 0: one Locust process; N: a master and N worker processes on this machine
    remote_workers: int = 0  # more workers the master waits for (`labctl load worker` elsewhere)
    master_bind: str = "127.0.0.1"
    master_port: int = MASTER_PORT


def locust_argv(spec: RunSpec) -> list[str]:
    """The locust command line for spec (the master's, in distributed mode)."""
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", spec.target]
    argv += ["--scenario", spec.scenario, "--load-users", str(spec.users), "--duration-s", str(spec.duration_s)]
    argv += ["--out-dir", str(spec.out_dir), "--exit-code-on-error", "0", "--only-summary", "--stop-timeout", "5"]
    if spec.html:
        argv += ["--html", str(spec.html)]
    if spec.csv_prefix:
        argv += ["--csv", spec.csv_prefix]
    expected = spec.workers + spec.remote_workers
    if expected:
        argv += ["--master", "--expect-workers", str(expected), "--expect-workers-max-wait", str(int(GRACE_S))]
        argv += ["--master-bind-host", spec.master_bind, "--master-bind-port", str(spec.master_port)]
    return [*argv, spec.user_class or USER_CLASS[spec.scenario]]


def worker_argv(master_host: str, master_port: int = MASTER_PORT) -> list[str]:
    """One Locust worker process; it gets the scenario, users and target from the master."""
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker"]
    return [*argv, "--master-host", master_host, "--master-port", str(master_port)]


def read_live(out_dir: Path) -> dict[str, Any] | None:
    """The latest live numbers the Locust process wrote (None before the first tick)."""
    try:
        data: dict[str, Any] = json.loads((out_dir / "live.json").read_text())
    except (OSError, ValueError):
        return None
    return data


@dataclass
class CpuWatch:
    """%CPU of each Locust process (100 = one core), sampled on every poll of the run."""

    procs: dict[str, psutil.Process] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, pid: int) -> None:
        try:
            self.procs[name] = psutil.Process(pid)
            self.procs[name].cpu_percent(None)  # the first reading only sets the baseline
        except psutil.Error:
            return
        self.samples[name] = []

    def sample(self) -> None:
        for name, proc in self.procs.items():
            try:
                self.samples[name].append(proc.cpu_percent(None))
            except psutil.Error:
                continue

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and max %CPU per process."""
        return {
            name: {"mean": round(sum(v) / len(v), 1) if v else 0.0, "max": round(max(v, default=0.0), 1)}
            for name, v in self.samples.items()
        }


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)


def run(spec: RunSpec, on_tick: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run Locust to completion; its summary (loadtests/locustfile.py writes summary.json) with Locust's CPU."""
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    if spec.workers and not spec.remote_workers:
        spec = replace(spec, master_port=free_port())  # nobody else joins: any free port will do
    log_path = spec.out_dir / "locust.log"
    proc = _spawn(locust_argv(spec), log_path)
    cpu = CpuWatch()
    cpu.add("master" if spec.workers or spec.remote_workers else "locust", proc.pid)
    workers = [
        _spawn(worker_argv("127.0.0.1", spec.master_port), spec.out_dir / f"worker-{i + 1}.log")
        for i in range(spec.workers)
    ]
    for i, w in enumerate(workers):
        cpu.add(f"worker-{i + 1}", w.pid)
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
            cpu.sample()
    except KeyboardInterrupt:
        proc.terminate()  # Locust stops its users and still writes the summary
        proc.wait(timeout=30)
    finally:
        _stop_workers(workers)
    summary_path = spec.out_dir / "summary.json"
    if not summary_path.exists():
        tail = log_path.read_text(errors="replace").strip().splitlines()[-8:]
        raise LabError("load_run_failed", f"Locust exited with code {proc.returncode} and no summary.", "\n".join(tail))
    result: dict[str, Any] = json.loads(summary_path.read_text())
    result["locust_cpu"] = cpu.summary()
    return result


def _stop_workers(workers: list[subprocess.Popen[bytes]], timeout_s: float = 15.0) -> None:
    """Workers quit when their master does; the ones that do not are terminated, then killed."""
    deadline = time.monotonic() + timeout_s
    for w in workers:
        try:
            w.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.terminate()
            try:
                w.wait(timeout=5)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
