"""The local worker's command line and labctl's launcher (no queues needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.workers import local
from labctl.cli import app
from labctl.local import state, worker_launcher
from tests.support.lab_state import lab_state


def test_the_worker_refuses_to_start_without_queues(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HOLD_EXPIRY_QUEUE_URL", raising=False)
    monkeypatch.delenv("BOOKING_EVENTS_QUEUE_URL", raising=False)
    assert local.main([]) == 2
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["code"] == "worker_not_configured"
    assert "labctl up --local" in line["hint"]


def test_worker_options_become_flags() -> None:
    opts = worker_launcher.WorkerOptions(visibility_timeout=5, wait_seconds=0, pollers=3, sweep=False)
    argv = worker_launcher.worker_command(opts, python="py")
    flags = ["--visibility-timeout", "5", "--wait-seconds", "0", "--pollers", "3", "--no-sweep"]
    assert argv == ["py", "-m", "api.workers.local", *flags]
    cfg = local.parse_args(argv[3:])
    assert (cfg.visibility_timeout, cfg.wait_seconds, cfg.pollers, cfg.sweep_interval) == (5, 0, 3, 0.0)


def test_bad_worker_flags_are_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        local.parse_args(["--wait-seconds", "25"])
    assert exc.value.code == 2


def _state() -> state.LabState:
    return lab_state(region="eu-west-1", table_name="lab-table", hold_ttl_seconds=10)


def test_the_launcher_reads_the_running_labs_endpoints(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    state.save(_state())
    env = worker_launcher.lab_env_from_state()
    assert env["SQS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["DYNAMODB_ENDPOINT_URL"] == "http://127.0.0.1:8000"
    assert env["HOLD_EXPIRY_QUEUE_URL"] == "http://q/hold-expiry"
    assert env["BOOKING_EVENTS_QUEUE_URL"] == "http://q/booking-events"
    assert (env["TABLE_NAME"], env["AWS_REGION"], env["HOLD_TTL_SECONDS"]) == ("lab-table", "eu-west-1", "10")


def test_labctl_worker_without_a_lab_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["worker", "--local"])
    assert result.exit_code == 2
    assert "lab_not_running" in result.output
