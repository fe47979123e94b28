"""The outcome of `labctl rollout --local`: the controller's verdict joined with what the customers saw.

Exit code: 0 promoted; 1 rolled back (the rollback worked, but the new version did not ship, as a
failed ECS deployment fails `labctl up`); 2 when the rollout itself could not run (a LabError).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labctl.local.frontdoor.metrics import percentile
from labctl.output import EXIT_FAILURE, EXIT_OK
from labctl.rollout.load import COLOURS, Tally


@dataclass(frozen=True)
class RolloutResult:
    status: dict[str, Any]  # the controller's document (GET /rollouts/current)
    tally: Tally
    rps: int
    load_seconds: float

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.status["result"] == "promoted" else EXIT_FAILURE

    def latency(self) -> dict[str, dict[str, float | None]]:
        return {
            c: {"p50": percentile(self.tally.latencies[c], 0.5), "p95": percentile(self.tally.latencies[c], 0.95)}
            for c in COLOURS
        }

    def to_json(self) -> dict[str, Any]:
        s, t, bake = self.status, self.tally, self.status["bake"]
        return {
            "result": s["result"],
            "strategy": s["strategy"],
            "requests": t.sent,
            "failed": t.failed,
            "served_by": {c: t.served_by[c] for c in COLOURS},
            "switch_ms": s["switch_ms"],
            "bake": {
                "green_5xx": bake["green_5xx"],
                "green_p95_ms": bake["green_p95_ms"],
                "green_requests": bake["green_requests"],
                "max_p95_ms": bake["max_p95_ms"],
                "blue_p95_ms": bake["blue_p95_ms"],
                "seconds": s["bake_s"],
            },
            "reason": s["reason"],
            "failed_by": {c: t.failed_by[c] for c in (*COLOURS, "none")},
            "latency_ms": self.latency(),
            "rps": self.rps,
            "load_seconds": round(self.load_seconds, 1),
            "break_mode": s["break_mode"],
            "revision": s["revision"],
            "rollout_id": s["id"],
            "timings_ms": s["timings_ms"],
            "events": s["events"],
        }
