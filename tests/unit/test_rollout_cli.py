"""`labctl rollout --local`: bad input gets a code and exit 2 before anything starts; the JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.rollout.load import Tally
from labctl.rollout.result import RolloutResult

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path / "home"))


def _error(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["rollout", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)["error"]["code"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), "rollout_local_only"),
        (("--local", "--rps", "0"), "invalid_rps"),
        (("--local", "--rps", "501"), "invalid_rps"),
        (("--local", "--strategy", "linear"), "invalid_strategy"),
        (("--local", "--break-green", "--break-mode", "loud"), "invalid_break_mode"),
        (("--local", "--bake", "0s"), "duration_out_of_range"),
        (("--local", "--duration", "soon"), "invalid_duration"),
        (("--local", "--duration", "1h"), "duration_out_of_range"),
        (("--local",), "lab_not_running"),
    ],
)
def test_bad_input_and_a_missing_lab_are_refused_with_a_code(args: tuple[str, ...], code: str) -> None:
    assert _error(*args) == (2, code)


def test_the_error_without_json_is_one_line_with_a_hint() -> None:
    result = runner.invoke(app, ["rollout", "--local"])
    assert result.exit_code == 2
    assert "lab_not_running" in result.stderr
    assert "labctl up --local" in result.stderr
    assert "Traceback" not in result.stderr


def _status(result: str) -> dict[str, Any]:
    return {
        "id": "ab12cd34",
        "strategy": "canary",
        "bake_s": 10.0,
        "break_mode": "errors" if result == "rolled_back" else None,
        "result": result,
        "reason": "green's 5xx rate 40.0% (4 of 10) is above 1%",
        "revision": 2,
        "switch_ms": 1.4,
        "bake": {"green_requests": 10, "green_5xx": 4, "green_p95_ms": 12.5, "blue_p95_ms": 9.0, "max_p95_ms": 300.0},
        "timings_ms": {"green_ready": 2500, "total": 9000},
        "events": [{"at": 1.0, "message": "rolled back"}],
    }


def _tally() -> Tally:
    t = Tally(sent=500, failed=4)
    t.served_by.update({"blue": 490, "green": 10})
    t.failed_by.update({"green": 4})
    t.latencies["blue"] = [5.0, 7.0]
    t.latencies["green"] = [6.0]
    return t


def test_the_json_document_has_the_fields_the_lab_scripts_read() -> None:
    doc = RolloutResult(_status("rolled_back"), _tally(), 50, 12.34).to_json()
    assert {k: doc[k] for k in ("result", "strategy", "requests", "failed", "served_by", "switch_ms", "reason")} == {
        "result": "rolled_back",
        "strategy": "canary",
        "requests": 500,
        "failed": 4,
        "served_by": {"blue": 490, "green": 10},
        "switch_ms": 1.4,
        "reason": "green's 5xx rate 40.0% (4 of 10) is above 1%",
    }
    assert (doc["bake"]["green_5xx"], doc["bake"]["green_p95_ms"]) == (4, 12.5)
    assert doc["failed_by"] == {"blue": 0, "green": 4, "none": 0}
    assert doc["latency_ms"]["blue"] == {"p50": 5.0, "p95": 7.0}
    assert doc["load_seconds"] == 12.3


def test_a_promotion_exits_0_and_a_rollback_exits_1() -> None:
    assert RolloutResult(_status("promoted"), _tally(), 50, 10.0).exit_code == 0
    assert RolloutResult(_status("rolled_back"), _tally(), 50, 10.0).exit_code == 1
