"""The bench's waiting-room and read-path parts: side-by-side rows, ratios to /healthz, a lab run's row."""

from __future__ import annotations

from typing import Any

from labctl.load.bench_lab import lab_result
from labctl.load.bench_read import read_ratios
from loadtests.benchdoc import render
from tests.unit.test_load_benchdoc import RESULT, _run


def _room(name: str, enabled: bool, peak: float) -> dict[str, Any]:
    room = {"enabled": enabled, "admitted": 900, "queued": 300 if enabled else 0, "rejected": 0}
    waits = {"wait_p50_ms": 800.0, "wait_p95_ms": 2400.0} if enabled else {"wait_p50_ms": 0.0, "wait_p95_ms": 0.0}
    return _run(name, 100.0, 50.0, peak, 40.0, 5_000) | {"waiting_room": room | waits, "goodput_holds_per_s": 12.5}


def test_the_room_off_and_on_are_side_by_side_with_time_in_line_and_goodput() -> None:
    runs = [_room("lab-room-off", False, 1500.0), _room("lab-room-on", True, 180.0)]
    text = render({**RESULT, "runs": runs})
    assert "| lab-room-off | off | 1500.0 | 1500.0 | 900 | 0 | 0 | - | 12.5 | 0 | 0 | 0 | 1.0 -> 1.5 |" in text
    assert (
        "| lab-room-on | on | 180.0 | 180.0 | 900 | 300 | 0 | 800.0 / 2400.0 | 12.5 | 0 | 0 | 0 | 1.0 -> 1.5 |" in text
    )


def test_the_read_path_is_a_ratio_of_healthz_with_the_log_lines_share() -> None:
    # 50 s each: /healthz 10,000 requests at 20% of a core = 1 ms; seat maps 5,000 at 40% = 4 ms
    runs = [
        _run("read-healthz", 200.0, 5.0, 0.0, 20.0, 10_000),
        _run("read-seatmap", 100.0, 9.0, 0.0, 40.0, 5_000),
        _run("read-seatmap-logged", 95.0, 9.0, 0.0, 42.0, 5_000),
    ]
    ratios = read_ratios(runs, {"emf_us": 6.0, "access_log_us": 14.0})
    assert ratios["rps_ratio"] == 0.5
    assert (ratios["healthz_api_cpu_ms"], ratios["seatmap_api_cpu_ms"], ratios["cpu_ratio"]) == (1.0, 4.0, 4.0)
    assert ratios["seatmap_logged_api_cpu_ms"] == 4.2
    assert ratios["lines_share_of_seatmap"] == 0.005  # 20 us of 4 ms
    text = render({**RESULT, "read": ratios})
    assert "| req/s | 200.0 | 100.0 | 0.5x |" in text
    assert "EMF 6.0 us, access log 14.0 us (0.5% of a seat map's API CPU together)" in text


def test_a_labctl_load_spike_document_becomes_a_bench_row() -> None:
    holds = {"name": "POST /api/shows/{id}/holds", "requests": 40, "rps": 2.0, "p50_ms": 20.0, "p95_ms": 90.0}
    holds |= {"p99_ms": 120.0, "status_counts": {"201": 38, "409": 2}, "phases": {"peak": {"p95_ms": 95.0}}}
    total = {"requests": 400, "rps": 20.0, "p50_ms": 10.0, "p95_ms": 80.0, "p99_ms": 150.0}
    total |= {"status_counts": {"200": 350, "201": 38, "409": 2, "503": 1, "0": 2}}
    doc = {"scenario": "spike", "users": 300, "duration_s": 80.0, "endpoints": [holds], "total": total}
    doc |= {"invariants": [], "waiting_room": {"enabled": True}, "goodput_holds_per_s": 0.48}
    row = lab_result("lab-room-on", doc, {"api": {"mean": 50.0, "max": 90.0}}, (3.0, 2.0, 1.0), {"K": "V"})
    assert row["holds_peak"] == {"p95_ms": 95.0}
    assert (row["five_xx"], row["timeouts"]) == (1, 2)
    assert row["loadavg_before"] == [3.0, 2.0, 1.0]
    assert row["room_env"] == {"K": "V"}
