"""Ports and process groups: a taken port names its holder; stopping escalates and leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import psutil
import pytest

from labctl.local import procs
from labctl.local.ports import free_port
from labctl.output import LabError


def test_a_port_in_use_is_refused_naming_the_process_that_holds_it() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(LabError) as err:
            procs.ensure_port_free(port)
    assert err.value.code == "port_in_use"
    assert f"pid {os.getpid()} ({psutil.Process().name()})" in err.value.message
    assert f"--port {port + 1}" in err.value.hint


def test_a_free_port_passes_and_a_closed_one_is_seen_closed() -> None:
    port = free_port()
    procs.ensure_port_free(port)
    assert procs.port_holder(port) is None
    assert procs.wait_ports_closed([port], timeout_s=0.5) == []


def _group(argv: list[str]) -> procs.Target:
    popen = subprocess.Popen(argv, start_new_session=True)
    time.sleep(0.3)  # let the shell start its children
    return procs.Target("t", popen.pid, procs.create_time(popen.pid), popen)


def test_stopping_a_group_stops_its_children_too() -> None:
    target = _group(["sh", "-c", "sleep 30 & sleep 30 & wait"])
    members = [p.pid for p in psutil.Process(target.pid).children()]
    assert len(members) == 2
    assert procs.stop_all([target], grace_s=3) == []
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in members)


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(30)"
    target = _group([sys.executable, "-c", code])
    t0 = time.monotonic()
    assert procs.stop_all([target], grace_s=0.5) == []
    assert 0.5 <= time.monotonic() - t0 < 5
    assert target.popen is not None
    assert target.popen.returncode == -9


def test_a_dead_or_reused_pid_is_not_alive() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    started = procs.create_time(proc.pid)
    assert started > 0
    proc.wait()
    assert not procs.alive(proc.pid, started)
    assert procs.alive(os.getpid(), procs.create_time(os.getpid()))
    assert not procs.alive(os.getpid(), procs.create_time(os.getpid()) - 50)


def test_stop_child_terminates_then_kills_a_child_that_ignores_sigterm() -> None:
    import subprocess
    import sys
    import time

    from labctl.local.procs import stop_child

    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert stop_child(polite, timeout_s=5.0) == -15  # SIGTERM was enough
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None
    stubborn.stdout.readline()  # the handler is installed
    started = time.monotonic()
    assert stop_child(stubborn, timeout_s=0.5) == -9
    assert time.monotonic() - started < 5
