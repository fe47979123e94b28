"""Locust's simulated people in a real waiting room: they queue, come back with their ticket and get in."""

from __future__ import annotations

from pathlib import Path

from labctl.load import runner
from labctl.load.report import build
from tests.support.api_server import run_api

# Everyone queues (no hold goes straight in) and 40 tickets a second are let in.
ROOM = {
    "STORE": "memory",
    "WAITING_ROOM_ENABLED": "true",
    "WAITING_ROOM_MAX_IN_FLIGHT": "0",
    "WAITING_ROOM_ADMIT_PER_S": "40",
}


def test_hot_seat_fighters_wait_their_turn_and_none_is_refused_or_fails(tmp_path: Path) -> None:
    with run_api(ROOM, tmp_path / "api.log") as url:
        summary = runner.run(runner.RunSpec(url, "hot-seat", 20, 8.0, tmp_path / "run"))
    doc = build(summary, url, [])
    room = doc["waiting_room"]
    assert room["enabled"] is True
    assert room["queued"] > 20
    assert room["admitted"] >= room["queued"] - 20  # at the stop, up to one per user may still be in line
    assert room["rejected"] == 0
    assert 0 < room["wait_p50_ms"] <= room["wait_p95_ms"] < 5000
    assert doc["slo"]["failures"] == 0
    names = {e["name"] for e in doc["endpoints"]}
    assert {"POST /api/shows/{id}/holds", "POST /api/shows/{id}/holds (waiting room)"} <= names
    assert doc["goodput_holds_per_s"] > 0
