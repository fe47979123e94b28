"""CPU per process during a load run (psutil), to name the process that limits throughput."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import psutil

MACHINE = "machine"  # every process on the box, not a process group


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of pid and its children so far (0.0 once it is gone)."""
    total = 0.0
    for proc in _tree(pid):
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def machine() -> dict[str, object]:
    """What the numbers were measured on: date, cores, CPU model, Python, OS."""
    import platform
    from datetime import UTC, datetime
    from pathlib import Path

    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": next((ln.split(":", 1)[1].strip() for ln in lines if "model name" in ln), ""),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@dataclass
class CpuSampler:
    """Samples %CPU (100 = one full core) of named process trees every `interval_s` on a thread."""

    pids: dict[str, int]
    interval_s: float = 1.0
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _locust_pids(self) -> list[int]:
        pids = []
        for p in psutil.Process(os.getpid()).children(recursive=True):
            try:
                if "locust" in " ".join(p.cmdline()):
                    pids.append(p.pid)
            except psutil.Error:
                continue  # exited between listing and reading (e.g. the seed subprocess)
        return pids

    def _run(self) -> None:
        procs: dict[int, psutil.Process] = {}
        while not self._stop.is_set():
            groups = {name: [p.pid for p in _tree(pid)] for name, pid in self.pids.items()}
            groups["locust"] = self._locust_pids()
            for name, pids in groups.items():
                total = 0.0
                for pid in pids:
                    try:
                        proc = procs.setdefault(pid, psutil.Process(pid))
                        total += proc.cpu_percent(None)  # since this process's previous sample
                    except psutil.Error:
                        continue
                self.samples[name].append(total)
            # The whole machine on the same scale (100 = one core): how close to saturation all of it ran.
            self.samples[MACHINE].append(psutil.cpu_percent(None) * (os.cpu_count() or 1))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> CpuSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and max %CPU per process group (the first sample of each pid reads 0 and is skipped)."""
        out: dict[str, dict[str, float]] = {}
        for name, values in self.samples.items():
            v = values[1:] or values
            out[name] = {"mean": round(sum(v) / len(v), 1) if v else 0.0, "max": round(max(v, default=0.0), 1)}
        return out
