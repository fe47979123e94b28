"""The load run's view of the waiting room: the --json block, goodput, and workers' numbers merged."""

from __future__ import annotations

from rich.console import Console

from labctl.load import report
from loadtests.recorder import Recorder, RoomStats, is_failure

HOLDS = "POST /api/shows/{id}/holds"


def _summary(rec: Recorder, duration_s: float, enabled: bool) -> dict[str, object]:
    return {
        "scenario": "spike",
        "users": 300,
        "duration_s": duration_s,
        "endpoints": rec.summary(duration_s),
        "total": rec.total.summary("Aggregated", duration_s),
        "waiting_room": rec.room.summary(enabled),
    }


def test_a_place_in_line_is_an_outcome_not_a_failure() -> None:
    assert not is_failure(429)


def test_the_json_has_the_waiting_room_block_and_goodput() -> None:
    rec = Recorder()
    for _ in range(30):
        rec.request(HOLDS, 201, 40.0, "peak")
    rec.request(HOLDS, 409, 30.0, "peak", "seats_unavailable")
    rec.request(HOLDS + " (waiting room)", 429, 3.0, "peak", "waiting_room_queued")
    rec.room.admitted, rec.room.queued, rec.room.rejected = 31, 10, 2
    rec.room.waits.extend(float(w) for w in range(100, 1100, 100))
    doc = report.build(_summary(rec, 10.0, True), "http://127.0.0.1:1", [])
    assert doc["waiting_room"] == {
        "enabled": True,
        "admitted": 31,
        "queued": 10,
        "rejected": 2,
        "wait_p50_ms": 500.0,
        "wait_p95_ms": 1000.0,
    }
    assert doc["goodput_holds_per_s"] == 3.0
    holds = next(e for e in doc["endpoints"] if e["name"] == HOLDS)
    assert holds["p95_ms"] == 40.0  # the fast 429s are reported apart: they are not holds served
    console = Console(record=True, width=200)
    report.render(doc, console)
    text = console.export_text()
    assert "waiting room: on  admitted 31  queued 10  rejected 2\n  in line p50/p95 500/1000 ms  goodput 3.0" in text


def test_a_run_without_a_waiting_room_says_it_was_off() -> None:
    doc = report.build({**_summary(Recorder(), 5.0, False), "waiting_room": None}, "http://x", [])
    assert doc["waiting_room"]["enabled"] is False
    assert doc["goodput_holds_per_s"] == 0.0


def test_workers_room_numbers_merge_into_the_masters() -> None:
    a, b, master = Recorder(keep_log=True), Recorder(keep_log=True), Recorder()
    a.room.admitted, a.room.queued, a.room.waits = 5, 2, [100.0, 300.0]
    b.room.admitted, b.room.rejected, b.room.waits = 4, 1, [200.0]
    master.absorb(a.export())
    master.absorb(b.export())
    assert master.room == RoomStats(admitted=9, queued=2, rejected=1, waits=[100.0, 300.0, 200.0])
