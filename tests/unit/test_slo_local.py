"""`slo report --local` finds moto through the local lab's state file, or says how to start the lab."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from labctl.commands.slo import app
from labctl.slo.local import local_endpoint


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    monkeypatch.delenv("LABCTL_CLOUDWATCH_ENDPOINT", raising=False)
    return tmp_path


def test_without_a_local_lab_the_report_says_how_to_start_one(home) -> None:
    result = CliRunner().invoke(app, ["report", "--local", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == "local_lab_not_running"
    assert "labctl up --local" in error["hint"]


def test_the_moto_endpoint_and_region_come_from_state_json(home) -> None:
    from labctl.local import state

    lab = state.LabState(
        launch_id="x", status="ready", supervisor_pid=1, supervisor_create_time=0.0, detached=True, port=8000,
        api_url="http://127.0.0.1:8000", region="eu-west-1", table_name="t", hold_ttl_seconds=300,
        ttl_seconds=3600, started_at=0.0, stop_by=1.0,
        endpoints={"dynamodb": "http://127.0.0.1:1111", "moto": "http://127.0.0.1:2222"},
    )  # fmt: skip
    state.save(lab)
    assert local_endpoint() == ("http://127.0.0.1:2222", "eu-west-1")


def test_a_corrupt_state_file_is_a_clear_error(home) -> None:
    (home / "local").mkdir()
    (home / "local" / "state.json").write_text("{not json")
    result = CliRunner().invoke(app, ["report", "--local", "--json"])
    assert (result.exit_code, json.loads(result.output)["error"]["code"]) == (2, "local_state_corrupt")
