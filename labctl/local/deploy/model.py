"""A rollout's request and its running report (the document `GET /rollouts/current` returns)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

STRATEGIES = ("all-at-once", "canary")
BREAK_MODES = ("errors", "slow")
CANARY_PERCENT = 10
BAKE_LIMITS_S = (1.0, 600.0)
# How a broken green misbehaves once it passed its health check (/readyz stays fast and 200):
# half of its API answers are 503s, or every API answer waits 2.5 s.
BREAK_ENV = {"errors": {"FAULT_5XX_RATE": "0.5"}, "slow": {"FAULT_LATENCY_MS": "2500"}}


class RolloutRefused(ValueError):
    """A request the supervisor will not start: `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RolloutRequest:
    strategy: str = "all-at-once"
    bake_s: float = 10.0
    break_mode: str | None = None

    @classmethod
    def parse(cls, doc: object) -> RolloutRequest:
        """Validate the control API's JSON body."""
        if not isinstance(doc, dict):
            raise RolloutRefused("invalid_rollout", "The body must be a JSON object.")
        req = cls(str(doc.get("strategy", "all-at-once")), float(doc.get("bake_s", 10.0)), doc.get("break_mode"))
        if req.strategy not in STRATEGIES:
            raise RolloutRefused("invalid_rollout", f"strategy {req.strategy!r} is not one of {STRATEGIES}.")
        if not BAKE_LIMITS_S[0] <= req.bake_s <= BAKE_LIMITS_S[1]:
            raise RolloutRefused("invalid_rollout", f"bake_s {req.bake_s} is outside {BAKE_LIMITS_S}.")
        if req.break_mode is not None and req.break_mode not in BREAK_MODES:
            raise RolloutRefused("invalid_rollout", f"break_mode {req.break_mode!r} is not one of {BREAK_MODES}.")
        return req


@dataclass
class Bake:
    """Green's numbers over the bake so far, and the limits they were held to."""

    green_requests: int = 0
    green_5xx: int = 0
    green_p95_ms: float | None = None
    blue_p95_ms: float | None = None  # blue's before the shift: the baseline
    max_p95_ms: float | None = None


@dataclass
class RolloutStatus:
    """What the controller has done so far; `result` is set once it is over."""

    id: str
    strategy: str
    bake_s: float
    break_mode: str | None
    started_at: float = field(default_factory=time.time)
    phase: str = "starting green"
    result: str | None = None  # promoted | rolled_back | failed
    reason: str = ""
    revision: int = 0  # the revision green is (blue's + 1)
    green_url: str = ""
    weights: dict[str, int] = field(default_factory=lambda: {"blue": 100, "green": 0})
    shifted_at: float | None = None  # the first weight change towards green
    switch_ms: float | None = None
    bake: Bake = field(default_factory=Bake)
    timings_ms: dict[str, float] = field(default_factory=dict)
    events: list[tuple[float, str]] = field(default_factory=list)
    ended_at: float | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    def note(self, message: str) -> None:
        self.events.append((time.time(), message))

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["events"] = [{"at": at, "message": m} for at, m in self.events]
        return doc

    def summary(self) -> dict[str, Any]:
        """The few fields state.json keeps (what `labctl status --local` shows)."""
        return {k: getattr(self, k) for k in ("id", "strategy", "phase", "result", "reason", "started_at", "ended_at")}
