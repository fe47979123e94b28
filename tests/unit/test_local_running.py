"""`Is the local lab running?` has one answer, and every command that needs the lab gets the same codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from labctl.local import procs, state
from labctl.local.running import require_running, running_lab
from labctl.output import LabError
from tests.support.lab_state import lab_state


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    monkeypatch.delenv("LABCTL_CLOUDWATCH_ENDPOINT", raising=False)
    return tmp_path


def _dead_supervisor() -> dict[str, float]:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    started = procs.create_time(proc.pid)
    proc.wait()
    return {"supervisor_pid": proc.pid, "supervisor_create_time": started}


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(LabError) as err:
        call()
    return err.value.code


def test_no_state_file_means_not_running_with_a_hint_and_the_callers_alternative() -> None:
    assert running_lab() is None
    with pytest.raises(LabError) as err:
        require_running(otherwise="pass --target URL")
    assert err.value.code == "lab_not_running"
    assert err.value.hint == "Start it with `labctl up --local`, or pass --target URL."


def test_a_crashed_supervisor_is_not_running_even_though_its_state_remains() -> None:
    state.save(lab_state(**_dead_supervisor()))
    assert running_lab() is None
    assert _code(require_running) == "lab_not_running"
    assert state.state_path().exists()  # asking never cleans up: `labctl up/down/status --local` do


def test_a_supervisor_pid_reused_by_another_process_is_not_the_lab() -> None:
    state.save(lab_state(supervisor_create_time=1.0))  # this pid, but not started at that time
    assert running_lab() is None


def test_a_starting_lab_runs_but_is_not_ready() -> None:
    state.save(lab_state(status="starting"))
    assert _code(require_running) == "lab_not_ready"
    assert require_running(ready=False).status == "starting"


def test_a_ready_lab_is_returned() -> None:
    state.save(lab_state())
    assert require_running().api_url == "http://127.0.0.1:8080"


def _callers() -> dict[str, Callable[[], object]]:
    from labctl.dlq.queues import local_target
    from labctl.load.target import local_lab
    from labctl.local.seed import seed
    from labctl.local.worker_launcher import lab_env_from_state
    from labctl.slo.local import local_endpoint

    return {
        "dlq": lambda: local_target(None),
        "load": local_lab,
        "seed": lambda: seed("", "", 7),
        "worker": lab_env_from_state,
        "slo": local_endpoint,
    }


@pytest.mark.parametrize("caller", sorted(_callers()))
def test_every_command_uses_one_code_per_condition(caller: str, home: Path) -> None:
    call = _callers()[caller]
    assert _code(call) == "lab_not_running"
    state.save(lab_state(**_dead_supervisor()))
    assert _code(call) == "lab_not_running"
    state.state_path().write_text("{half a file")
    assert _code(call) == "lab_state_corrupt"
