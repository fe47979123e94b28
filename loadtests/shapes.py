"""Load shapes: the user count over time for each scenario (pure plan + one Locust LoadTestShape).

The plan is a pure function of elapsed time so it can be unit-tested without Locust.
"""

from __future__ import annotations

from dataclasses import dataclass

SCENARIOS = ("spike", "hot-seat", "steady")
SPIKE_RAMP_S = 10.0  # the release-day requirement: 10x users within 10 s (docs/requirements.md)


@dataclass(frozen=True)
class Step:
    users: int
    spawn_rate: float
    phase: str  # baseline | ramp | peak | recover | steady


def baseline_users(peak: int) -> int:
    """The spike starts and ends at a tenth of the peak."""
    return max(1, peak // 10)


def plan(scenario: str, users: int, duration_s: float, elapsed_s: float) -> Step | None:
    """What the load should be `elapsed_s` into a run; None when the run is over."""
    if elapsed_s >= duration_s:
        return None
    if scenario == "spike":
        return _spike(users, duration_s, elapsed_s)
    if scenario == "hot-seat":
        ramp = min(5.0, duration_s / 4)
        phase = "ramp" if elapsed_s < ramp else "peak"
        return Step(users, max(1.0, users / ramp), phase)
    if scenario == "steady":
        return Step(users, max(1.0, users / min(5.0, duration_s / 4)), "steady")
    raise ValueError(f"unknown scenario {scenario!r}")


def _spike(users: int, duration_s: float, elapsed_s: float) -> Step:
    base = baseline_users(users)
    spike_at = duration_s * 0.25
    recover_at = duration_s * 0.75
    ramp_s = min(SPIKE_RAMP_S, (recover_at - spike_at) / 2)
    if elapsed_s < spike_at:
        return Step(base, float(base), "baseline")
    if elapsed_s < recover_at:
        phase = "ramp" if elapsed_s < spike_at + ramp_s else "peak"
        return Step(users, max(1.0, (users - base) / ramp_s), phase)
    return Step(base, float(users), "recover")
