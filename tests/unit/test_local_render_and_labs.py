"""What `up`/`status` print, and `labctl seed` without a lab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from labctl.local import render
from labctl.local.health import Health
from labctl.local.state import LabState, ServiceRecord
from tests.support.lab_state import lab_state


def _lab(worker: str = "supervised") -> LabState:
    services = {
        "api": ServiceRecord("api", 11, 1.0, 8080, "/l/api.log", "http://127.0.0.1:8080"),
        "dynamodb": ServiceRecord("dynamodb", 12, 1.0, 40001, "/l/ddb.log", "http://127.0.0.1:40001", restarts=0),
    }
    catalog = {"days": 2, "target_days": 7, "status": "loading", "movies": 6}
    return lab_state(
        launch_id="x", table_name="t", services=services, worker=worker, catalog=catalog, startup_seconds=12.3
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
