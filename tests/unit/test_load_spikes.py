"""The back-to-back spike runner's per-run counts (pure functions over `labctl load spike --json`)."""

from __future__ import annotations

from typing import Any

from labctl.load.spikes import row, table


def _doc(refused: int, contended: int, violations: int) -> dict[str, Any]:
    return {
        "endpoints": [{"name": "POST /api/shows/{id}/holds", "p95_ms": 240.5}],
        "outcomes": {
            "holds": {"attempts": 100, "ok": 60, "refused": refused, "contended": contended, "failed": 1},
            "bookings": {"attempts": 30, "ok": 29, "contended": 1, "failed": 0},
        },
        "invariants": [
            {"name": "no_seat_booked_twice", "violation_count": 0},
            {"name": "no_refusal_by_expired_hold", "violation_count": violations},
        ],
        "out_dir": "/tmp/x",
    }


def test_a_run_row_counts_refusals_contention_and_violations() -> None:
    r = row(1, _doc(refused=39, contended=2, violations=3), (1.5, 2.25), 81.23)
    assert r == {
        "run": 1,
        "load_before": 1.5,
        "load_after": 2.25,
        "wall_s": 81.2,
        "hold_attempts": 100,
        "holds_ok": 60,
        "refused": 39,
        "contended": 3,
        "failed": 1,
        "hold_p95_ms": 240.5,
        "violations": {"no_seat_booked_twice": 0, "no_refusal_by_expired_hold": 3},
        "out_dir": "/tmp/x",
    }


def test_the_table_has_a_line_per_run_and_totals() -> None:
    rows = [row(1, _doc(39, 2, 3), (1.0, 2.0), 80), row(2, _doc(41, 0, 0), (2.0, 2.0), 80)]
    lines = table(rows).splitlines()
    assert len(lines) == 4
    assert lines[1].split()[-2:] == ["no_refusal_by_expired_hold", "3"]
    assert lines[2].endswith(" 0  -")
    assert lines[3].split() == ["all", "200", "120", "80", "4", "2", "3"]
