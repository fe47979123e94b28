"""`build_report` over an in-memory metric source: exact numbers for a dataset worked by hand.

The same DATASET seeds moto's CloudWatch in tests/integration/test_slo_report_moto.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from labctl.slo.report import build_report
from labctl.slo.source import Point
from labctl.slo.spec import load_spec

NOW = datetime(2030, 1, 31, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
# (age, counters): every counter under dimension Service=booking-api
COUNTERS = ("Requests", "Errors5xx", "GoodLatency", "BookingAttempts", "BookingsConfirmed")
DATASET: list[tuple[timedelta, dict[str, float]]] = [
    (age, dict(zip(COUNTERS, values, strict=True)))
    for age, values in [
        (2 * M, (1000, 20, 900, 100, 90)),
        (20 * M, (1000, 0, 1000, 100, 100)),
        (180 * M, (2000, 2, 1950, 200, 198)),
        (2 * 1440 * M, (6000, 3, 5900, 600, 600)),
        (10 * 1440 * M, (10000, 5, 9800, 1000, 995)),
    ]
]
# Worked by hand from DATASET (see the comments for the arithmetic).
EXPECTED = {
    "availability": {
        "sli": 0.9985,  # 1 - 30 / 20000
        "good": 19970,
        "total": 20000,
        "budget_total": 20.0,  # 0.1% of 20000
        "budget_consumed": 30,
        "budget_remaining_ratio": -0.5,  # 1 - 30/20
        "budget_consumed_minutes": 64.8,  # 1.5 x 43.2
        # 20/1000, 20/2000, 20/2000, 22/4000, 25/10000, each / 0.001
        "burn_rates": {"5m": 20.0, "30m": 10.0, "1h": 10.0, "6h": 5.5, "3d": 2.5},
        "alerts": ["ticket: 1x over 3d and 6h"],
        "status": "exhausted",
    },
    "latency": {
        "sli": 0.9775,  # 19550 / 20000
        "good": 19550,
        "total": 20000,
        "budget_total": 1000.0,
        "budget_consumed": 450,
        "budget_remaining_ratio": 0.55,
        "budget_consumed_minutes": 972.0,  # 0.45 x 2160
        "burn_rates": {"5m": 2.0, "30m": 1.0, "1h": 1.0, "6h": 0.75, "3d": 0.5},
        "alerts": [],
        "status": "ok",
    },
    "booking_success": {
        "sli": 0.9915,  # 1983 / 2000
        "good": 1983,
        "total": 2000,
        "budget_total": 20.0,
        "budget_consumed": 17,
        "budget_remaining_ratio": 0.15,
        "budget_consumed_minutes": 367.2,  # 0.85 x 432
        "burn_rates": {"5m": 10.0, "30m": 5.0, "1h": 5.0, "6h": 3.0, "3d": 1.2},
        "alerts": ["ticket: 1x over 3d and 6h"],
        "status": "ok",
    },
}


def assert_matches_expected(report: dict[str, object]) -> None:
    """Compare a report's JSON to EXPECTED (floats to 1e-9)."""
    slos = {s["name"]: s for s in report["slos"]}  # type: ignore[attr-defined]
    assert list(slos) == list(EXPECTED)
    for name, want in EXPECTED.items():
        got = slos[name]
        for key, value in want.items():
            if isinstance(value, (float, dict)):
                assert got[key] == pytest.approx(value, abs=1e-9), (name, key)
            else:
                assert got[key] == value, (name, key)


@dataclass
class FakeSource:
    """Counters at timestamps; sums over [start, end) like GetMetricData."""

    points: list[tuple[datetime, str, float]] = field(default_factory=list)
    name: str = "fake"

    def sums(self, metrics: Sequence[str], start: datetime, end: datetime) -> dict[str, float]:
        return {m: sum(v for ts, n, v in self.points if n == m and start <= ts < end) for m in metrics}

    def series(self, metrics: Sequence[str], start: datetime, end: datetime, period_s: int) -> dict[str, list[Point]]:
        out: dict[str, list[Point]] = {}
        for m in metrics:
            buckets: dict[datetime, float] = {}
            for ts, n, v in self.points:
                if n == m and start <= ts < end:
                    b = start + timedelta(seconds=(ts - start).total_seconds() // period_s * period_s)
                    buckets[b] = buckets.get(b, 0.0) + v
            out[m] = sorted(buckets.items())
        return out

    def percentile(self, metric: str, stat: str, start: datetime, end: datetime) -> float | None:
        return None


def fake_from(dataset: list[tuple[timedelta, dict[str, float]]], now: datetime = NOW) -> FakeSource:
    return FakeSource([(now - age, name, v) for age, counters in dataset for name, v in counters.items()])


def test_report_numbers_match_the_hand_worked_dataset() -> None:
    report = build_report(load_spec(), fake_from(DATASET), now=NOW).as_dict()
    assert report["window"] == "30d"
    assert_matches_expected(report)
    avail = report["slos"][0]
    assert avail["budget_minutes"] == pytest.approx(43.2)


def test_budget_timeline_falls_monotonically_to_the_remaining_ratio() -> None:
    report = build_report(load_spec(), fake_from(DATASET), now=NOW)
    for result in report.slos:
        values = [v for _, v in result.timeline]
        assert len(values) == 3  # 15 h buckets: 10 d ago, 2 d ago, and the last 3 h together
        assert values == sorted(values, reverse=True)
        assert values[-1] == pytest.approx(result.budget.remaining_ratio)
    availability = [v for _, v in report.slos[0].timeline]
    assert availability == pytest.approx([0.75, 0.6, -0.5])  # 5, 8, then 30 of 20 allowed bad events


def test_since_narrows_the_window_and_every_burn_window() -> None:
    report = build_report(load_spec(), fake_from(DATASET), now=NOW, since=NOW - timedelta(minutes=30))
    avail = report.as_dict()["slos"][0]
    assert (avail["good"], avail["total"]) == (1980, 2000)
    assert avail["burn_rates"] == pytest.approx({"5m": 20.0, "30m": 10.0, "1h": 10.0, "6h": 10.0, "3d": 10.0})
    # clamped to 30 minutes of data, the 6 h and 3 d windows burn at 10x too: page (6h/30m) and ticket fire
    assert avail["alerts"] == ["page: 6x over 6h and 30m", "ticket: 1x over 3d and 6h"]


def test_no_traffic_says_so_instead_of_100_percent() -> None:
    report = build_report(load_spec(), FakeSource(), now=NOW).as_dict()
    for slo in report["slos"]:
        assert slo["status"] == "no_data"
        assert slo["sli"] is None
        assert slo["budget_remaining_ratio"] is None
        assert set(slo["burn_rates"].values()) == {None}
        assert slo["alerts"] == []


def test_a_handful_of_requests_is_flagged_thin() -> None:
    few = [(M, {"Requests": 50, "Errors5xx": 0, "GoodLatency": 50})]
    slos = {s["name"]: s for s in build_report(load_spec(), fake_from(few), now=NOW).as_dict()["slos"]}
    assert slos["availability"]["status"] == "thin_data"  # < 1000 events for a 99.9% SLO
    assert slos["availability"]["sli"] == 1.0
    assert slos["latency"]["status"] == "ok"  # 50 >= 20 events for a 95% SLO
    assert slos["booking_success"]["status"] == "no_data"


def test_a_custom_window_changes_the_budget_in_minutes() -> None:
    report = build_report(load_spec(), fake_from(DATASET), now=NOW, window="7d").as_dict()
    avail = report["slos"][0]
    assert avail["total"] == 10_000  # the 10-day-old datapoint is outside 7 days
    assert avail["budget_minutes"] == pytest.approx(7 * 1440 * 0.001)


def test_the_budget_chart_draws_levels_and_says_when_overspent() -> None:
    from labctl.slo.render import chart

    t = datetime(2030, 1, 1, tzinfo=UTC)
    points = [(t, 1.0), (t + timedelta(hours=1), 0.5), (t + timedelta(hours=2), -0.5)]
    rows = chart(points, t, t + timedelta(hours=3), 3600, height=2)
    assert rows[:3] == [" 100% |█  ", "   0% |██ ", "      +---"]
    assert rows[-1].strip() == "(overspent: the budget reached -50.0%; below 0% is drawn as empty)"
    assert chart([], t, t + timedelta(hours=3), 3600) == ["(no data points)"]


def test_the_budget_chart_spans_the_whole_window_and_says_how_wide_a_bucket_is() -> None:
    from labctl.slo.render import chart

    # a 30-day window whose only traffic (half the budget spent) fell in one bucket near its start
    report = build_report(load_spec(), fake_from([(timedelta(days=29), {"Requests": 10_000, "Errors5xx": 5})]), now=NOW)
    assert report.bucket_seconds == 15 * 3600  # 30 days over 48 buckets
    assert report.as_dict()["bucket_seconds"] == 15 * 3600
    avail = report.slos[0]
    assert len(avail.timeline) == 1
    rows = chart(avail.timeline, report.start, report.end, report.bucket_seconds)

    axis = rows[7]
    assert axis.strip().startswith(f"{report.start:%m-%d %H:%M}")
    assert axis.strip().endswith(f"{report.end:%m-%d %H:%M} UTC")
    assert report.end - report.start >= timedelta(days=30)
    assert rows[8].strip() == "one column = 15h 00m (metrics summed per 15h 00m)"
    top = rows[0].removeprefix(" 100% |")
    assert len(top) == 48
    # full until the bucket with the bad events (the second column), half from there to the window's end
    assert top[0] == "█"
    assert set(top[2:]) == {" "}
    middle = rows[3].removeprefix("      |")
    assert set(middle[2:]) == {"█"}
