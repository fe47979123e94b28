"""What the front door records of each answer, and the window of answers a rollout judges (p50, p95, 5xx)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One answer: when it ended, the target's response time (to the first byte), its status; elb=the door's own."""

    at: float
    ms: float
    status: int
    elb: bool = False


@dataclass(frozen=True)
class Window:
    """A group's answers since some moment: what the ALB publishes per target group, and a p95."""

    requests: int
    target_5xx: int
    elb_5xx: int
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None

    @property
    def errors_5xx(self) -> int:
        return self.target_5xx + self.elb_5xx

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "target_5xx": self.target_5xx,
            "elb_5xx": self.elb_5xx,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "max_ms": self.max_ms,
        }


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # ceil without floats drifting
    return round(ordered[int(rank) - 1], 1)
