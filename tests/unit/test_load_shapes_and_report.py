"""Load shapes, percentiles, outcome classification and the SLO verdict (pure functions)."""

from __future__ import annotations

import pytest

from labctl.load.report import outcomes, slo
from labctl.load.runner import RunSpec, locust_argv
from loadtests.recorder import Recorder, is_failure, percentile
from loadtests.shapes import plan


def test_spike_goes_from_a_tenth_to_full_within_ten_seconds_then_recovers() -> None:
    steps = {t: plan("spike", 300, 120, t) for t in (0, 29, 30, 35, 41, 89, 90, 119)}
    assert steps[0] is not None
    assert (steps[0].users, steps[0].phase) == (30, "baseline")
    assert steps[29] is not None
    assert steps[29].users == 30
    ramp = steps[30]
    assert ramp is not None
    assert (ramp.users, ramp.phase) == (300, "ramp")
    assert ramp.spawn_rate * 10 >= 300 - 30  # the whole ramp fits in 10 s
    assert steps[35] is not None
    assert steps[35].phase == "ramp"
    assert steps[41] is not None
    assert steps[41].phase == "peak"
    assert steps[89] is not None
    assert steps[89].users == 300
    assert steps[90] is not None
    assert (steps[90].users, steps[90].phase) == (30, "recover")
    assert plan("spike", 300, 120, 120) is None


def test_short_spikes_keep_a_peak_phase() -> None:
    phases = {s.phase for t in range(20) if (s := plan("spike", 50, 20, t)) is not None}
    assert phases == {"baseline", "ramp", "peak", "recover"}


def test_hot_seat_and_steady_hold_the_user_count() -> None:
    hot = plan("hot-seat", 200, 60, 30)
    assert hot is not None
    assert (hot.users, hot.phase) == (200, "peak")
    steady = plan("steady", 40, 60, 59.9)
    assert steady is not None
    assert steady.users == 40
    with pytest.raises(ValueError, match="unknown scenario"):
        plan("chaos", 1, 10, 0)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert percentile([], 0.95) == 0.0


def test_conflicts_and_declines_are_outcomes_but_5xx_and_timeouts_fail() -> None:
    assert [is_failure(s) for s in (200, 201, 204, 402, 409, 404, 500, 503, 0)] == [
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
    ]


def test_recorder_summarises_per_endpoint_and_phase() -> None:
    rec = Recorder()
    for ms in range(1, 101):
        rec.request("POST holds", 201 if ms % 4 else 409, float(ms), "peak" if ms > 50 else "baseline")
    [ep] = rec.summary(10.0)
    assert ep["requests"] == 100
    assert ep["rps"] == 10.0
    assert ep["status_counts"] == {"201": 75, "409": 25}
    assert ep["p95_ms"] == 95.0
    assert ep["phases"]["peak"]["requests"] == 50
    assert ep["phases"]["peak"]["p50_ms"] == 75.0
    assert rec.total.statuses[409] == 25


def test_outcomes_count_contention_apart_from_refusals_and_failures() -> None:
    rec = Recorder()
    for status, code, n in (
        (201, None, 5),
        (409, "seats_unavailable", 3),
        (503, "seat_lock_contended", 2),
        (0, None, 1),
    ):
        for _ in range(n):
            rec.request("POST /api/shows/{id}/holds", status, 5.0, "peak", code)
    rec.request("POST /api/bookings", 503, 5.0, "peak", "seat_lock_contended")
    rec.request("POST /api/bookings (retry)", 201, 5.0, "peak")
    rec.request("POST /api/bookings", 402, 5.0, "peak", "payment_declined")
    rec.request("POST /api/bookings", 503, 5.0, "peak", "dependency_unavailable")
    endpoints = rec.summary(1.0)
    assert endpoints[-1]["error_codes"] == {"seat_lock_contended": 2, "seats_unavailable": 3}
    assert outcomes(endpoints) == {
        "holds": {"attempts": 11, "ok": 5, "refused": 3, "contended": 2, "failed": 1},
        "bookings": {"attempts": 4, "ok": 1, "declined": 1, "conflicts": 0, "contended": 1, "failed": 1},
    }


def _ep(name: str, p95: float, counts: dict[str, int]) -> dict[str, object]:
    return {"name": name, "requests": sum(counts.values()), "p95_ms": p95, "status_counts": counts}


def test_slo_verdict_counts_5xx_and_timeouts_against_99_9_percent() -> None:
    ok = slo([_ep("a", 120.0, {"200": 9990, "409": 500}), _ep("b", 299.9, {"201": 10})])
    assert ok["latency_ok"]
    assert ok["availability_ok"]
    assert ok["failures"] == 0
    bad = slo([_ep("a", 120.0, {"200": 997, "503": 2, "0": 1}), _ep("b", 300.0, {"201": 10})])
    assert not bad["latency_ok"]
    assert bad["slow_endpoints"] == ["b"]
    assert not bad["availability_ok"]
    assert bad["failures"] == 3
    assert bad["availability"] == pytest.approx(0.99706, 1e-4)
    assert not slo([])["availability_ok"]  # no requests is not a pass


def test_locust_runs_headless_with_the_scenario_user_class(tmp_path: object) -> None:
    from pathlib import Path

    argv = locust_argv(RunSpec("http://127.0.0.1:1", "hot-seat", 50, 20.0, Path("/tmp/x"), html=Path("r.html")))
    assert "--headless" in argv
    assert argv[-1] == "HotSeatUser"
    assert argv[argv.index("--load-users") + 1] == "50"
    assert argv[argv.index("--html") + 1] == "r.html"
