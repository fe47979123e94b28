"""The local lab's state file: isolated by LABCTL_HOME, atomic, corrupt files and crashed labs handled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from labctl.local import entry, procs, state
from labctl.local.state import LabState, ServiceRecord
from labctl.output import LabError
from tests.support.lab_state import lab_state


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _lab(supervisor_pid: int, supervisor_started: float, **services: ServiceRecord) -> LabState:
    return lab_state(
        launch_id="abc",
        supervisor_pid=supervisor_pid,
        supervisor_create_time=supervisor_started,
        started_at=1000.0,
        stop_by=2800.0,
        services=dict(services),
    )


def _dead_pid() -> tuple[int, float]:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    started = procs.create_time(proc.pid)
    proc.wait()
    return proc.pid, started


def test_state_lives_under_labctl_home_and_round_trips(home: Path) -> None:
    lab = _lab(1, 2.0, api=ServiceRecord("api", 10, 3.0, 8080, "/tmp/api.log", "http://127.0.0.1:8080"))
    state.save(lab)
    assert state.state_path() == home / "local" / "state.json"
    loaded = state.load()
    assert loaded == lab
    assert loaded is not None
    assert loaded.ui_url == "http://127.0.0.1:8080/"
    assert loaded.docs_url == "http://127.0.0.1:8080/api/docs"
    assert [p.name for p in (home / "local").iterdir()] == ["state.json"]  # no temp file left behind
    state.clear()
    assert state.load() is None


def test_a_corrupt_state_file_is_reported_not_crashed_on(home: Path) -> None:
    state.state_path().parent.mkdir(parents=True)
    state.state_path().write_text("{half a file")
    with pytest.raises(state.StateCorruptError):
        state.load()
    assert entry.current(as_json=True) is None  # nobody holds the lock: it is removed
    assert not state.state_path().exists()


def test_a_detached_start_error_is_read_back_only_by_its_launch() -> None:
    state.write_error("launch-1", LabError("java_missing", "no java", "install it"))
    err = state.read_error("launch-1")
    assert err is not None
    assert (err.code, err.message, err.hint) == ("java_missing", "no java", "install it")
    assert state.read_error("launch-2") is None


def test_the_lab_lock_is_exclusive_while_held() -> None:
    first = state.LabLock()
    assert first.acquire()
    assert state.LabLock().held_elsewhere()
    first.release()
    assert not state.LabLock().held_elsewhere()


def test_a_crashed_lab_is_cleaned_up_and_its_orphans_stopped() -> None:
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        sup_pid, sup_started = _dead_pid()
        rec = ServiceRecord("moto", orphan.pid, procs.create_time(orphan.pid), 5000, "/tmp/moto.log")
        state.save(_lab(sup_pid, sup_started, moto=rec))
        assert entry.current(as_json=True) is None
        assert orphan.wait(timeout=5) != 0
        assert not state.state_path().exists()
    finally:
        orphan.kill()
        orphan.wait()


def test_a_recorded_pid_reused_by_another_process_is_never_killed() -> None:
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        sup_pid, sup_started = _dead_pid()
        rec = ServiceRecord("api", bystander.pid, procs.create_time(bystander.pid) - 100, 8080, "/tmp/api.log")
        state.save(_lab(sup_pid, sup_started, api=rec))
        assert entry.current(as_json=True) is None
        assert psutil.Process(bystander.pid).status() != psutil.STATUS_ZOMBIE
    finally:
        bystander.kill()
        bystander.wait()
