"""`labctl load spike/check` bad input: clear LabError codes and exit 2, before any load starts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from labctl.commands.load import app
from labctl.local.ports import free_port

runner = CliRunner()


def _error(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)["error"]["code"]


def test_zero_users_is_refused() -> None:
    assert _error(["spike", "--target", "http://127.0.0.1:9", "--users", "0"]) == (2, "invalid_users")


def test_unsafe_locks_are_refused_for_a_remote_target() -> None:
    args = ["spike", "--target", "https://api.lab.example.com", "--unsafe-locks", "--table", "t"]
    assert _error(args) == (2, "unsafe_locks_local_only")


def test_an_unreachable_target_is_reported_without_a_trace() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = runner.invoke(app, ["spike", "--target", url, "--table", "t", "--duration", "5s"])
    assert result.exit_code == 2
    assert "target_unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_target_or_local_is_required_but_not_both() -> None:
    assert _error(["spike"]) == (2, "target_required")
    assert _error(["spike", "--target", "http://127.0.0.1:9", "--local"]) == (2, "target_required")


def test_a_remote_run_without_a_table_fails_before_the_load() -> None:
    assert _error(["spike", "--target", "https://api.lab.example.com"]) == (2, "table_required")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["spike", "--target", "http://127.0.0.1:9", "--scenario", "chaos"], "invalid_scenario"),
        (["spike", "--target", "http://127.0.0.1:9", "--duration", "soon"], "invalid_duration"),
        (["spike", "--target", "ftp://x"], "invalid_target"),
        (["check", "--table", "t", "--log", "/nonexistent/load-log.jsonl"], "load_log_missing"),
    ],
)
def test_bad_options(args: list[str], code: str) -> None:
    assert _error(args) == (2, code)


def test_local_without_a_running_lab_says_how_to_start_one(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))  # no lab state there
    monkeypatch.chdir(str(tmp_path))
    assert _error(["spike", "--local"]) == (2, "lab_not_running")
