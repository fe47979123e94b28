"""The supervisor's child processes: started in their own process groups, noted in state.json at once.

Each child logs to `<lab dir>/logs/<name>.log`; a stage of the start waits (bounded) until its check passes.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from labctl.local import procs, state
from labctl.local.state import LabState, ServiceRecord
from labctl.output import LabError
from labctl.paths import REPO_ROOT

STAGE_TIMEOUT_S = 150.0  # per stage, generous: 2 shared cores can be very slow
Progress = Callable[[str], None]
Popen = subprocess.Popen[bytes]


class Interrupted(Exception):
    """A stop was requested while the lab was still starting."""


class Children:
    """Named child processes and their records in the lab state (once the state exists)."""

    def __init__(self, progress: Progress, stop: threading.Event) -> None:
        self.procs: dict[str, Popen] = {}
        self.lab: LabState | None = None
        self._progress = progress
        self._stop = stop

    def log(self, name: str) -> Path:
        return state.logs_dir() / f"{name}.log"

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str], port: int | None = None, log: str | None = None
    ) -> Popen:
        """Start a child logging to logs/<log or name>.log (both API colours share api.log, one log group)."""
        path = self.log(log or name)
        proc = procs.spawn(argv, path, env, REPO_ROOT)
        self.procs[name] = proc
        if self.lab is not None:
            self.record(name, proc, port, path)
        self._progress(f"{name}: started (pid {proc.pid})")
        return proc

    def adopt(self, name: str, proc: Popen, port: int, log: Path) -> None:
        """Take over a process started elsewhere (DynamoDB Local's launcher)."""
        self.procs[name] = proc
        self.record(name, proc, port, log)
        self._progress(f"{name}: started (pid {proc.pid})")

    def record(self, name: str, proc: Popen, port: int | None, log: Path | None = None) -> None:
        """Note the child in state.json at once: if the supervisor crashes, `down` can still find it."""
        assert self.lab is not None
        old = self.lab.services.get(name)
        url = f"http://127.0.0.1:{port}" if port else None
        restarts = old.restarts if old else 0
        log_file = str(log or self.log(name))
        started = procs.create_time(proc.pid)
        self.lab.services[name] = ServiceRecord(name, proc.pid, started, port, log_file, url, restarts)
        state.save(self.lab)

    def target(self, name: str) -> procs.Target:
        proc = self.procs[name]
        rec = self.lab.services.get(name) if self.lab else None
        return procs.Target(name, proc.pid, rec.create_time if rec else procs.create_time(proc.pid), proc)

    def stop(self, names: tuple[str, ...], grace_s: float = procs.GRACE_SECONDS) -> list[str]:
        """Stop these children (SIGTERM, then SIGKILL after grace_s); the names that survived."""
        return procs.stop_all([self.target(n) for n in names if n in self.procs], grace_s)

    def wait(self, what: str, ready: Callable[[], bool], failed: Callable[[], LabError | None]) -> None:
        """Poll ready() until it passes; raise failed()'s error, Interrupted on a stop, or a timeout."""
        deadline = time.monotonic() + STAGE_TIMEOUT_S
        while not ready():
            if self._stop.is_set():
                raise Interrupted(what)
            err = failed()
            if err is not None:
                raise err
            if time.monotonic() > deadline:
                raise LabError(
                    "lab_start_timeout",
                    f"{what} was not ready within {STAGE_TIMEOUT_S:.0f} s.",
                    procs.log_tail(self.log(what)),
                )
            time.sleep(0.1)
        self._progress(f"{what}: ready")

    def exited(self, name: str) -> LabError | None:
        """The error for a child that exited during the start (the seed may exit 0)."""
        code = self.procs[name].poll()
        if code is None or (name == "seed" and code == 0):
            return None
        message = f"{name} exited with code {code} during start."
        return LabError(f"{name}_failed", message, procs.log_tail(self.log(name)))

    def log_text(self, name: str) -> str:
        try:
            return self.log(name).read_text(errors="replace")
        except OSError:
            return ""
