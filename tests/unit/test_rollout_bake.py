"""The bake's rollback rules: green's 5xx rate, its p95 against blue's, its health; too little data is not a failure."""

from __future__ import annotations

import pytest

from labctl.local.deploy.bake import MIN_5XX, P95_CEILING_MS, judge, p95_limit

FLOOR = 300.0


def _window(requests: int, target_5xx: int = 0, elb_5xx: int = 0, p95: float | None = 20.0) -> dict[str, object]:
    return {"requests": requests, "target_5xx": target_5xx, "elb_5xx": elb_5xx, "p95_ms": p95}


def test_a_healthy_green_bakes_on_and_its_numbers_are_kept() -> None:
    numbers, reason = judge(_window(400, p95=35.0), "healthy", 30.0, FLOOR)
    assert reason is None
    assert (numbers.green_requests, numbers.green_5xx, numbers.green_p95_ms, numbers.max_p95_ms) == (
        400,
        0,
        35.0,
        300.0,
    )


def test_green_answering_5xx_is_rolled_back_once_there_are_enough_errors() -> None:
    assert judge(_window(10, target_5xx=MIN_5XX - 1), "healthy", 20.0, FLOOR)[1] is None
    numbers, reason = judge(_window(10, target_5xx=2, elb_5xx=1), "healthy", 20.0, FLOOR)
    assert reason == "green's 5xx rate 30.0% (3 of 10) is above 1%"
    assert numbers.green_5xx == 3


def test_a_few_errors_among_many_answers_stay_under_the_rate() -> None:
    assert judge(_window(1000, target_5xx=5), "healthy", 20.0, FLOOR)[1] is None
    assert judge(_window(1000, target_5xx=11), "healthy", 20.0, FLOOR)[1] is not None


def test_a_slow_green_is_rolled_back_against_blues_baseline() -> None:
    _, reason = judge(_window(40, p95=2500.0), "healthy", 50.0, FLOOR)
    assert reason == "green's p95 2500 ms is above 300 ms (3x blue's 50 ms, kept within 300-1500 ms)"
    assert judge(_window(40, p95=280.0), "healthy", 50.0, FLOOR)[1] is None  # under the SLO threshold


def test_too_few_answers_to_judge_latency_is_not_a_failure() -> None:
    assert judge(_window(5, p95=2500.0), "healthy", 50.0, FLOOR)[1] is None


def test_an_unhealthy_green_is_rolled_back() -> None:
    assert judge(_window(0, p95=None), "unhealthy", None, FLOOR)[1] == "green failed its health checks (/readyz)"


@pytest.mark.parametrize(("blue", "limit"), [(None, 300.0), (20.0, 300.0), (200.0, 600.0), (900.0, P95_CEILING_MS)])
def test_the_p95_limit_is_three_times_blue_within_the_slo_threshold_and_the_ceiling(
    blue: float | None, limit: float
) -> None:
    assert p95_limit(blue, FLOOR) == limit
