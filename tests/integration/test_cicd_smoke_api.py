"""The deploy's smoke test against the real API (uvicorn, in-memory store with the demo catalog) on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from labctl.cicd import smoke
from labctl.cli import app
from tests.support.api_server import run_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("smoke-api") / "api.log"
    with run_api({"STORE": "memory"}, log) as base:
        yield base


def test_the_smoke_test_books_a_seat_the_api_then_shows_as_booked(api_url: str) -> None:
    result = smoke.run(api_url, wait_s=10)
    assert result.ok, result.to_json()
    assert result.reference
    assert result.seat
    assert result.show_id
    seats = httpx.get(f"{api_url}/api/shows/{result.show_id}/seats", timeout=10).json()["seats"]
    assert {s["id"]: s["status"] for s in seats}[result.seat] == "booked"


def test_the_cli_prints_the_steps_as_json_and_exits_0(api_url: str) -> None:
    result = CliRunner().invoke(app, ["cicd", "smoke", "--url", api_url, "--wait", "10s", "--json"])
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    assert [s["name"] for s in doc["steps"]][-1] == "read_back"
    assert all(s["ms"] >= 0 for s in doc["steps"])


def test_a_front_door_with_nothing_behind_it_fails_loudly_with_exit_1(tmp_path: Path) -> None:
    from labctl.local.ports import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = CliRunner().invoke(app, ["cicd", "smoke", "--url", url, "--wait", "0s", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["failed_step"] == "catalog_ready"
    assert "ConnectError" in doc["steps"][0]["detail"]
