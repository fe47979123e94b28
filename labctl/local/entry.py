"""`labctl up/down/status --local`: start, stop and inspect the whole system on this machine."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable

from labctl.durations import LOCAL_TTL, parse_duration
from labctl.local import detached, dynamodb_local, health, procs, running, services, state
from labctl.local.results import Ready, Status, Stopped
from labctl.local.state import LabState
from labctl.local.supervisor import Options, Supervisor, already_running
from labctl.output import LabError, err_console
from labctl.paths import REPO_ROOT

DETACHED_START_TIMEOUT_S = 600.0  # the supervisor times out each stage itself; this is the safety net
SUPERVISOR_STOP_TIMEOUT_S = 30.0


def _note(msg: str, as_json: bool) -> None:
    if not as_json:
        err_console.print(f"[dim]{msg}[/]")


def _targets(lab: LabState) -> list[procs.Target]:
    return [procs.Target(n, r.pid, r.create_time) for n, r in lab.services.items()]


def clean_stale(lab: LabState) -> list[str]:
    """The supervisor is gone: stop whatever of its children still runs, forget the state; their names."""
    leftovers = [t.name for t in _targets(lab) if t.running()]
    procs.stop_all(_targets(lab))
    state.clear()
    return leftovers


def current(as_json: bool = False) -> LabState | None:
    """The running lab, or None; a stale or corrupt state (crashed lab) is cleaned up on the way."""
    try:
        lab = state.load()
    except state.StateCorruptError as err:
        if state.LabLock().held_elsewhere():
            raise already_running() from err
        state.clear()
        _note(f"Removed an unreadable lab state ({err}).", as_json)
        return None
    if lab is None:
        return None
    if running.alive(lab):
        return lab
    killed = clean_stale(lab)
    extra = f"; stopped its leftover processes: {', '.join(killed)}" if killed else ""
    _note(f"Cleaned up the state of a crashed lab (supervisor pid {lab.supervisor_pid} is gone){extra}.", as_json)
    return None


def _ready(lab: LabState, *, foreground: bool) -> Ready:
    # the supervisor checked each service just now: no second round of probes
    return Ready(lab, health.verified_at_start(lab), time.time(), foreground)


def up(
    port: int, ttl: str, hold_ttl: int, detach: bool, as_json: bool, on_ready: Callable[[Ready], None]
) -> Stopped | None:
    """Start the lab and call on_ready once it is healthy; then return (detached: None) or wait until it stops."""
    t0 = time.time()
    ttl_seconds = round(parse_duration(ttl, LOCAL_TTL).total_seconds())
    if current(as_json) is not None or state.LabLock().held_elsewhere():
        raise already_running()
    procs.ensure_port_free(port)
    dynamodb_local.java_path()
    dynamodb_local.find_jar()
    opts = Options(port, ttl_seconds, hold_ttl, detach, uuid.uuid4().hex, t0=t0)
    if detach:
        on_ready(_ready(_start_detached(opts), foreground=False))
        return None  # the lab runs on in the background
    progress = (lambda _msg: None) if as_json else (lambda msg: err_console.print(f"[dim]{msg}[/]"))
    sup = Supervisor(opts, progress=progress)
    report = sup.run(on_ready=lambda lab: on_ready(_ready(lab, foreground=True)))
    return Stopped(report.stopped, report.seconds, report.ports_open, report.survivors, reason=report.reason)


def _start_detached(opts: Options) -> LabState:
    """Spawn the supervisor in its own session and wait for it to report ready (or why it failed)."""
    log = state.local_dir() / "supervisor.log"
    child = procs.spawn(detached.argv(opts), log, services.child_env({}), REPO_ROOT)
    deadline = time.monotonic() + DETACHED_START_TIMEOUT_S
    try:
        while True:
            with contextlib.suppress(state.StateCorruptError):
                lab = state.load()
                if lab is not None and lab.launch_id == opts.launch_id and lab.status == "ready":
                    return lab
            if child.poll() is not None:
                err = state.read_error(opts.launch_id)
                if err is None and child.returncode == 0:
                    err = LabError("lab_stopped", "The lab stopped before it was ready.", procs.log_tail(log))
                raise err or LabError("lab_start_failed", "The lab supervisor died.", procs.log_tail(log))
            if time.monotonic() > deadline:
                raise LabError("lab_start_timeout", "The lab did not become healthy in time.", procs.log_tail(log))
            time.sleep(0.1)
    except (KeyboardInterrupt, LabError):
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)  # the supervisor stops what it started
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=SUPERVISOR_STOP_TIMEOUT_S)
        raise


def down(as_json: bool) -> Stopped:
    """Stop the running lab (SIGTERM to its supervisor, which stops every child); fine if none runs."""
    lab = current(as_json)
    if lab is None:
        return Stopped([])
    t0 = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.kill(lab.supervisor_pid, signal.SIGTERM)
    deadline = time.monotonic() + SUPERVISOR_STOP_TIMEOUT_S
    while procs.alive(lab.supervisor_pid, lab.supervisor_create_time) and time.monotonic() < deadline:
        time.sleep(0.1)
    if procs.alive(lab.supervisor_pid, lab.supervisor_create_time):
        procs.stop_all([procs.Target("supervisor", lab.supervisor_pid, lab.supervisor_create_time)])
    survivors = procs.stop_all(_targets(lab))  # no-op when the supervisor did its job
    ports = procs.wait_ports_closed([r.port for r in lab.services.values() if r.port])
    state.clear()
    return Stopped(sorted(lab.services), round(time.monotonic() - t0, 1), ports, survivors)


def status(as_json: bool) -> Status:
    """Services, pids, ports, health, seat/hold/booking counts, queue depths and time left."""
    lab = current(as_json)
    if lab is None:
        return Status(None)
    return Status(lab, health.snapshot(lab), time.time())  # the snapshot is bounded: ~2 s whatever a service does
