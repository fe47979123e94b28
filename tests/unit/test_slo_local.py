"""`slo report --local` finds moto through the local lab's state file, or says how to start the lab."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from labctl.commands.slo import app
from labctl.slo.local import local_endpoint
from tests.support.lab_state import lab_state


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    monkeypatch.delenv("LABCTL_CLOUDWATCH_ENDPOINT", raising=False)
    return tmp_path


def test_without_a_local_lab_the_report_says_how_to_start_one(home) -> None:
    result = CliRunner().invoke(app, ["report", "--local", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == "lab_not_running"
    assert "labctl up --local" in error["hint"]


def test_the_moto_endpoint_and_region_come_from_state_json(home) -> None:
    from labctl.local import state

    lab = lab_state(
        region="eu-west-1", endpoints={"dynamodb": "http://127.0.0.1:1111", "moto": "http://127.0.0.1:2222"}
    )
    state.save(lab)
    assert local_endpoint() == ("http://127.0.0.1:2222", "eu-west-1")


def test_a_corrupt_state_file_is_a_clear_error(home) -> None:
    (home / "local").mkdir()
    (home / "local" / "state.json").write_text("{not json")
    result = CliRunner().invoke(app, ["report", "--local", "--json"])
    assert (result.exit_code, json.loads(result.output)["error"]["code"]) == (2, "lab_state_corrupt")
