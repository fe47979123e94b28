"""Budget and burn-rate maths against cases worked by hand (the SRE workbook's among them)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.slo import maths
from labctl.slo.spec import AlertRule, load_spec

H = timedelta(hours=1)
MONTH = timedelta(days=30)


@pytest.mark.parametrize(
    ("burn", "window", "spent"),
    [
        (14.4, H, 0.02),  # workbook: page, 2% of the budget in 1 h
        (6.0, 6 * H, 0.05),  # workbook: page, 5% in 6 h
        (1.0, 72 * H, 0.10),  # workbook: ticket, 10% in 3 days
        (1.0, MONTH, 1.0),  # 1x burns exactly the budget over the window
        (36.0, 20 * H, 1.0),  # 36x exhausts a 30-day budget in 20 h
    ],
)
def test_budget_spent_by_a_constant_burn(burn, window, spent) -> None:
    assert maths.budget_spent_by(burn, window, MONTH) == pytest.approx(spent)
    assert maths.burn_for_spend(spent, window, MONTH) == pytest.approx(burn)


@pytest.mark.parametrize(
    ("bad", "total", "budget", "rate"),
    [
        (144, 10_000, 0.001, 14.4),  # 1.44% errors against a 99.9% SLO
        (6, 1_000, 0.001, 6.0),
        (1, 1_000, 0.001, 1.0),
        (5, 100, 0.05, 1.0),  # 95% latency SLO, 5% slow
        (72, 100, 0.05, 14.4),  # the latency SLO pages only at 72% slow requests
        (0, 500, 0.01, 0.0),
        (0, 0, 0.001, None),  # no traffic: no burn rate, not 0
    ],
)
def test_burn_rate(bad, total, budget, rate) -> None:
    assert maths.burn_rate(bad, total, budget) == rate


def test_budget_of_a_99_9_slo_with_10000_requests() -> None:
    b = maths.budget(good=9_990, total=10_000, budget_ratio=0.001, window=MONTH)
    assert (b.total_events, b.bad_events) == (10_000, 10)
    assert b.allowed_bad == pytest.approx(10.0)
    assert b.consumed_ratio == pytest.approx(1.0)
    assert b.remaining_ratio == pytest.approx(0.0)
    assert b.budget_minutes == pytest.approx(43.2)  # 30 d x 1440 min x 0.1%
    assert b.consumed_minutes == pytest.approx(43.2)


def test_budget_half_spent_and_overspent() -> None:
    half = maths.budget(good=995, total=1_000, budget_ratio=0.01, window=MONTH)
    assert (half.allowed_bad, half.consumed_ratio, half.remaining_events) == pytest.approx((10.0, 0.5, 5.0))
    assert (half.budget_minutes, half.consumed_minutes) == pytest.approx((432.0, 216.0))
    over = maths.budget(good=1_970, total=2_000, budget_ratio=0.01, window=MONTH)
    assert over.remaining_ratio == pytest.approx(-0.5)


def test_no_traffic_is_not_100_percent() -> None:
    b = maths.budget(good=0, total=0, budget_ratio=0.001, window=MONTH)
    assert maths.sli(0, 0) is None
    assert (b.consumed_ratio, b.remaining_ratio, b.consumed_minutes) == (None, None, None)
    assert b.budget_minutes == pytest.approx(43.2)


def test_exhaustion_and_thin_data_thresholds() -> None:
    assert maths.exhaustion(14.4, MONTH) == 50 * H
    assert maths.exhaustion(1.0, MONTH) == MONTH
    assert maths.exhaustion(0.0, MONTH) is None
    assert maths.min_events_for_one_bad(0.001) == 1000
    assert maths.min_events_for_one_bad(0.05) == 20


RULES = (
    AlertRule("page", "1h", "5m", 14.4),
    AlertRule("page", "6h", "30m", 6.0),
    AlertRule("ticket", "3d", "6h", 1.0),
)


@pytest.mark.parametrize(
    ("burns", "fired"),
    [
        ({"5m": 20.0, "30m": 15.0, "1h": 15.0, "6h": 2.0, "3d": 0.5}, ["page 1h/5m"]),
        ({"5m": 0.5, "30m": 15.0, "1h": 15.0, "6h": 2.0, "3d": 0.5}, []),  # short window recovered: reset
        ({"5m": 6.0, "30m": 6.0, "1h": 6.0, "6h": 6.0, "3d": 1.0}, ["page 6h/30m", "ticket 3d/6h"]),  # >= fires
        ({"5m": 14.4, "30m": 5.9, "1h": 14.4, "6h": 5.99, "3d": 0.99}, ["page 1h/5m"]),
        ({"5m": None, "30m": None, "1h": 30.0, "6h": 30.0, "3d": 30.0}, ["ticket 3d/6h"]),  # no data never fires
    ],
)
def test_multiwindow_alerts_fire_only_when_both_windows_burn(burns, fired) -> None:
    assert [f"{r.severity} {r.long}/{r.short}" for r in maths.firing(RULES, burns)] == fired


def test_the_contract_alert_policy_is_the_workbooks() -> None:
    spec = load_spec()
    window = parse_duration(spec.window, SLO_WINDOW)
    spent = [maths.budget_spent_by(r.burn_rate, parse_duration(r.long, SLO_WINDOW), window) for r in spec.alerting]
    assert [r.severity for r in spec.alerting] == ["page", "page", "ticket"]
    assert spent == pytest.approx([0.02, 0.05, 0.10])
