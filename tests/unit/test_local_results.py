"""What `labctl up/down/status --local` print: one document each, the same keys as ever, exit 2 on a leftover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.local.health import Health
from labctl.local.results import Ready, Stopped, render_stopped
from labctl.output import emit
from tests.support.lab_state import lab_state


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    return tmp_path


def test_status_and_down_without_a_lab_say_so_in_one_document() -> None:
    status = CliRunner().invoke(app, ["status", "--local", "--json"])
    assert (status.exit_code, json.loads(status.stdout)) == (0, {"running": False})
    down = CliRunner().invoke(app, ["down", "--local", "--json"])
    assert (down.exit_code, json.loads(down.stdout)) == (0, {"running": False, "stopped": []})
    text = CliRunner().invoke(app, ["down", "--local"])
    assert text.stdout.strip() == "No local lab is running."


def test_a_clean_down_lists_what_it_stopped() -> None:
    stopped = Stopped(["api", "dynamodb"], 1.5)
    assert (stopped.exit_code, stopped.to_json()) == (
        0,
        {"running": False, "stopped": ["api", "dynamodb"], "seconds": 1.5, "ports_open": []},
    )


def test_a_leftover_process_or_port_is_lab_stop_incomplete_exit_2_in_the_same_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stopped = Stopped(["api"], 2.0, ports_open=[8080], survivors=["api"])
    with pytest.raises(SystemExit) as exit_info:
        emit(stopped, True, render_stopped)
    assert exit_info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["stopped"] == ["api"]
    assert doc["error"]["code"] == "lab_stop_incomplete"
    assert "8080" in doc["error"]["message"]


def test_the_end_of_a_foreground_up_reports_why_and_how_long() -> None:
    stopped = Stopped(["api", "moto"], 3.2, reason="ttl")
    assert stopped.to_json() == {
        "stopped": True,
        "reason": "ttl",
        "seconds": 3.2,
        "processes": ["api", "moto"],
        "survivors": [],
        "ports_open": [],
    }


def test_the_ready_document_is_the_labs_payload() -> None:
    ready = Ready(lab_state(), {"api": Health(True, "healthy")}, now=1_000_600.0, foreground=False)
    doc = ready.to_json()
    assert isinstance(doc, dict)
    assert (doc["running"], doc["healthy"], doc["time_left_seconds"]) == (True, True, 1200)
