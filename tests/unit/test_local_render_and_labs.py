"""What `up`/`status` print, and how `labctl labs check` runs a lab's check.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from labctl.commands import labs
from labctl.local import render
from labctl.local.health import Health
from labctl.local.state import LabState, ServiceRecord


def _lab(worker: str = "supervised") -> LabState:
    services = {
        "api": ServiceRecord("api", 11, 1.0, 8080, "/l/api.log", "http://127.0.0.1:8080"),
        "dynamodb": ServiceRecord("dynamodb", 12, 1.0, 40001, "/l/ddb.log", "http://127.0.0.1:40001", restarts=0),
    }
    return LabState(
        launch_id="x",
        status="ready",
        supervisor_pid=10,
        supervisor_create_time=1.0,
        detached=True,
        port=8080,
        api_url="http://127.0.0.1:8080",
        region="us-east-1",
        table_name="t",
        hold_ttl_seconds=300,
        ttl_seconds=1800,
        started_at=1_000_000.0,
        stop_by=1_001_800.0,
        services=services,
        worker=worker,
        catalog={"days": 2, "target_days": 7, "status": "loading", "movies": 6},
        startup_seconds=12.3,
        log_dir="/l",
    )


def _text(renderable: object) -> str:
    console = Console(width=120, record=True)
    console.print(renderable)
    return console.export_text()


def test_payload_reports_time_left_from_the_given_clock_and_overall_health() -> None:
    health = {"api": Health(True, "healthy"), "dynamodb": Health(False, "not answering")}
    out = render.payload(_lab(), health, now=1_000_600.0)
    assert out["time_left_seconds"] == 1200
    assert out["healthy"] is False
    assert out["stop_by"] == "1970-01-12T14:16:40Z"
    assert out["services"]["dynamodb"]["health"] == "not answering"
    assert out["services"]["api"]["port"] == 8080


def test_the_panel_shows_urls_services_startup_time_and_a_missing_worker() -> None:
    health = {"api": Health(True, "healthy"), "dynamodb": Health(True, "healthy")}
    text = _text(render.lab_panel(_lab(worker="not available"), health, now=1_000_000.0, foreground=True))
    assert "ready in 12.3 s" in text
    assert "http://127.0.0.1:8080/api/docs" in text
    assert "in 30m 00s" in text
    assert "Ctrl-C stops everything" in text
    assert "2 of 7 days" in text
    worker_line = next(line for line in text.splitlines() if "worker" in line)
    assert "not available" in worker_line


LAB_OK = """
def check():
    return [("api answers", True, "200"), ("exercise 2", None, "not done yet")]
"""
LAB_BROKEN = """
from labctl.output import LabError
def check(url=None):
    raise LabError("lab_not_running", "No local lab is running.", "labctl up --local")
"""
LAB_SCRIPT = "import sys\nprint('1 of 2 passed')\nsys.exit(1)\n"


@pytest.fixture
def labs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, readme, code in [
        ("00-local-lab", "# Lab 00: Local", LAB_OK),
        ("01-first", "# Lab 01: First", LAB_BROKEN),
        ("02-script", "# Lab 02: Script", LAB_SCRIPT),
    ]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(readme + "\n")
        (tmp_path / name / "check.py").write_text(code)
    (tmp_path / "not-a-lab").mkdir()
    monkeypatch.setattr(labs, "LABS_DIR", tmp_path)
    return tmp_path


def test_labs_are_discovered_in_order_with_their_titles(labs_dir: Path) -> None:
    assert [(x.number, x.title) for x in labs.discover()] == [
        ("00", "Lab 00: Local"),
        ("01", "Lab 01: First"),
        ("02", "Lab 02: Script"),
    ]


def test_check_items_lab_errors_and_plain_scripts_are_all_reported(labs_dir: Path) -> None:
    found = {x.number: x for x in labs.discover()}
    assert labs.run_check(found["00"]) == [("api answers", True, "200"), ("exercise 2", None, "not done yet")]
    [(name, ok, detail)] = labs.run_check(found["01"])
    assert (name, ok) == ("can run (lab_not_running)", False)
    assert "labctl up --local" in detail
    assert labs.run_check(found["02"]) == [("check.py passed", False, "exit 1; 1 of 2 passed")]


def test_labs_check_exits_1_on_todo_and_2_for_an_unknown_lab(labs_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(labs.app, ["check", "0", "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["passed"] is False
    assert [i["ok"] for i in out["labs"][0]["items"]] == [True, None]
    missing = runner.invoke(labs.app, ["check", "42", "--json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "lab_not_found"


def test_seed_without_a_lab_or_endpoint_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.cli import app

    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["seed", "--json"])
    assert result.exit_code == 2
    err = json.loads(result.stdout)["error"]
    assert err["code"] == "lab_not_running"
    assert "--endpoint-url" in err["hint"]
    bad = CliRunner().invoke(app, ["seed", "--days", "0", "--json"])
    assert json.loads(bad.stdout)["error"]["code"] == "invalid_days"
