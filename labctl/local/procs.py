"""Child processes of the lab: each in its own process group, stopped SIGTERM-then-SIGKILL, ports verified.

A process is identified by pid AND create time: after a crash, a recorded pid may belong to someone else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from labctl.local.ports import port_open
from labctl.output import LabError

GRACE_SECONDS = 5.0


def spawn(argv: Sequence[str], log_path: Path, env: Mapping[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start argv in a new session (its own process group: Ctrl-C in the terminal does not reach it)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )


def stop_child(process: subprocess.Popen[bytes], timeout_s: float = GRACE_SECONDS) -> int:
    """SIGTERM a child of ours, SIGKILL it if it has not exited within timeout_s; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=timeout_s)


def create_time(pid: int) -> float:
    """When pid started (psutil's create time), 0.0 if it is already gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return 0.0


def alive(pid: int, started: float) -> bool:
    """True when pid runs and is the same process that started at `started` (zombies count as gone)."""
    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - started) < 1.0 and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass(frozen=True)
class Target:
    """A process group to stop: its leader's pid and create time; popen when we are its parent (to reap it)."""

    name: str
    pid: int
    started: float
    popen: subprocess.Popen[bytes] | None = None

    def running(self) -> bool:
        if self.popen is not None and self.popen.poll() is not None:
            return False
        return alive(self.pid, self.started)


def _signal_group(target: Target, sig: signal.Signals) -> None:
    if not target.running():
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(target.pid, sig)  # pgid == pid: every child was started in its own session


def stop_all(targets: Iterable[Target], grace_s: float = GRACE_SECONDS) -> list[str]:
    """SIGTERM every group, SIGKILL what is still there after grace_s; return the names that survived."""
    pending = [t for t in targets if t.running()]
    for t in pending:
        _signal_group(t, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while pending and time.monotonic() < deadline:
        time.sleep(0.05)
        pending = [t for t in pending if t.running()]
    for t in pending:
        _signal_group(t, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while pending and time.monotonic() < deadline:
        time.sleep(0.05)
        pending = [t for t in pending if t.running()]
    for t in targets:
        if t.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                t.popen.wait(timeout=0.5)  # reap: no zombie left behind
    return [t.name for t in pending]


def port_holder(port: int, host: str = "127.0.0.1") -> str | None:
    """Who listens on port: `pid 123 (java)`, `an unknown process` when the OS does not say, None if free."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        conns = []
    for c in conns:
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port:
            if c.pid is None:
                return "an unknown process"
            try:
                return f"pid {c.pid} ({psutil.Process(c.pid).name()})"
            except psutil.Error:
                return f"pid {c.pid}"
    return "an unknown process" if port_open(port, host) else None


def can_bind(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could bind host:port now (SO_REUSEADDR, as uvicorn does: TIME_WAIT is no obstacle)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def ensure_port_free(port: int, host: str = "127.0.0.1") -> None:
    """LabError `port_in_use` naming the holder when host:port cannot be bound."""
    if can_bind(port, host):
        return  # the cheap path: psutil's scan of every socket only when we need a name
    holder = port_holder(port, host) or "another process (bound, not listening)"
    raise LabError(
        "port_in_use",
        f"Port {port} on {host} is in use by {holder}.",
        f"Stop that process, or pick another port: labctl up --local --port {port + 1}",
    )


def wait_ports_closed(ports: Iterable[int], timeout_s: float = 5.0) -> list[int]:
    """Wait until nothing listens on any of ports; return the ones still open after timeout_s."""
    remaining = [p for p in ports if p]
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = [p for p in remaining if port_open(p)]
        if not remaining or time.monotonic() >= deadline:
            return remaining
        time.sleep(0.05)


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, indented for a hint."""
    try:
        tail = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return f"{path} ends with:\n    " + "\n    ".join(tail or ["(empty)"])
