"""The front door's target groups follow the ALB's rules: health, fail-open, weights, draining, promotion."""

from __future__ import annotations

import itertools

import pytest

from labctl.local.deployment import contract
from labctl.local.frontdoor.groups import GroupError, TargetGroups
from labctl.local.frontdoor.metrics import Sample, percentile


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _groups(clock: Clock | None = None, rand: list[float] | None = None) -> TargetGroups:
    values = itertools.cycle(rand or [0.5])
    return TargetGroups(contract(), clock or Clock(), lambda: next(values))


def _serving_blue() -> TargetGroups:
    g = _groups()
    target = g.register("blue", "127.0.0.1", 8001)
    g.health_result(target, True, "")
    g.set_weights({"blue": 100})
    return g


def test_a_new_target_serves_after_one_passed_health_check() -> None:
    g = _groups()
    target = g.register("blue", "127.0.0.1", 8001)
    g.set_weights({"blue": 100})
    assert (target.state, g.pick()) == ("initial", None)
    g.health_result(target, True, "")
    assert target.state == "healthy"
    assert g.pick() is g.groups["blue"]


def test_a_serving_target_turns_unhealthy_after_three_failures_and_healthy_after_two_passes() -> None:
    g = _serving_blue()
    target = g.groups["blue"].target
    assert target is not None
    for _ in range(contract().unhealthy_threshold - 1):
        g.health_result(target, False, "Target.Timeout")
    assert target.state == "healthy"
    g.health_result(target, False, "Target.Timeout")
    assert (target.state, target.reason) == ("unhealthy", "Target.Timeout")
    g.health_result(target, True, "")
    assert target.state == "unhealthy"
    g.health_result(target, True, "")
    assert target.state == "healthy"


def test_a_group_whose_only_target_is_unhealthy_still_gets_its_share() -> None:
    g = _serving_blue()
    target = g.groups["blue"].target
    assert target is not None
    for _ in range(contract().unhealthy_threshold):
        g.health_result(target, False, "Target.ResponseCodeMismatch")
    assert g.pick() is g.groups["blue"]  # the ALB fails open
    assert g.serving() == {"blue": 100, "green": 0}


def test_weights_split_new_requests_between_the_groups() -> None:
    grid = [i / 1000 for i in range(1000)]
    g = _groups(rand=grid)
    for colour, port in (("blue", 8001), ("green", 8002)):
        g.health_result(g.register(colour, "127.0.0.1", port), True, "")
    g.set_weights({"blue": 90, "green": 10})
    picks = [g.pick() for _ in grid]
    assert sum(1 for p in picks if p is g.groups["green"]) == 100
    assert g.serving() == {"blue": 90, "green": 10}


@pytest.mark.parametrize("weights", [{"blue": -1}, {"blue": 1000}, {"blue": 0, "green": 0}, {"red": 5}, {"blue": 1.5}])
def test_weights_outside_the_albs_bounds_are_refused(weights: dict[str, int]) -> None:
    g = _serving_blue()
    with pytest.raises(GroupError):
        g.set_weights(weights)
    assert g.groups["blue"].weight == 100


def test_a_deregistered_target_gets_no_new_request_and_leaves_when_its_last_one_ends() -> None:
    g = _serving_blue()
    blue = g.groups["blue"]
    in_flight = g.begin(blue)
    g.deregister("blue")
    assert (in_flight.state, g.pick()) == ("draining", None)
    left = g.finish(blue, in_flight, Sample(1000.0, 12.0, 200))
    assert left is in_flight
    assert blue.target is None


def test_a_drain_ends_at_the_deregistration_delay_even_with_requests_in_flight() -> None:
    clock = Clock()
    g = _groups(clock)
    target = g.register("blue", "127.0.0.1", 8001)
    g.health_result(target, True, "")
    g.set_weights({"blue": 100})
    g.begin(g.groups["blue"])
    g.deregister("blue")
    clock.now += contract().deregistration_delay_s - 0.1
    assert g.tick() == []
    clock.now += 0.2
    assert g.tick() == [target]
    assert "1 requests cut off" in g.events[-1][1]


def test_an_idle_target_leaves_at_once_when_deregistered() -> None:
    g = _serving_blue()
    g.deregister("blue")
    assert g.groups["blue"].target is None


def test_promote_makes_green_blue_once_blue_has_left() -> None:
    g = _serving_blue()
    green = g.register("green", "127.0.0.1", 8002)
    g.health_result(green, True, "")
    g.set_weights({"blue": 0, "green": 100})
    with pytest.raises(GroupError) as refused:
        g.promote()
    assert refused.value.code == "blue_not_drained"
    g.deregister("blue")
    g.promote()
    assert g.groups["blue"].target is green
    assert (g.groups["green"].target, g.groups["green"].weight) == (None, 0)
    assert g.serving() == {"blue": 100, "green": 0}


def test_a_window_counts_target_and_door_errors_and_times_only_target_answers() -> None:
    g = _serving_blue()
    blue = g.groups["blue"]
    for i, (ms, status, elb) in enumerate(
        [(10.0, 200, False), (30.0, 503, False), (0.0, 502, True), (20.0, 200, False)]
    ):
        g.begin(blue)
        assert blue.target is not None
        g.finish(blue, blue.target, Sample(1000.0 + i, ms, status, elb=elb))
    window = blue.window(since=1001.0).to_json()
    assert window == {"requests": 3, "target_5xx": 1, "elb_5xx": 1, "p50_ms": 20.0, "p95_ms": 30.0, "max_ms": 30.0}
    assert dict(blue.totals) == {"requests": 4, "2xx": 2, "5xx": 1, "elb_5xx": 1}


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.95) is None
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([5.0], 0.5) == 5.0
