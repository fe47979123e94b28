"""contracts/deployment.json as the lab reads it: the health check and the graceful shutdown chain.

The same file sets the ALB's target groups and the ECS task on AWS (infra/contracts.py), so the lab's
front door checks, drains and stops an API exactly as the cloud does.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from labctl.paths import CONTRACTS_DIR

CONTRACT = CONTRACTS_DIR / "deployment.json"


@dataclass(frozen=True)
class Deployment:
    """Seconds and counts, named as in the contract."""

    health_path: str
    health_interval_s: float
    health_timeout_s: float
    healthy_threshold: int
    unhealthy_threshold: int
    deregistration_delay_s: float
    graceful_shutdown_s: float
    stop_timeout_s: float


def read(path: Path | None = None) -> Deployment:
    """Parse contracts/deployment.json (or path)."""
    raw = json.loads((path or CONTRACT).read_text())
    hc = raw["health_check"]
    return Deployment(
        health_path=str(hc["path"]),
        health_interval_s=float(hc["interval_seconds"]),
        health_timeout_s=float(hc["timeout_seconds"]),
        healthy_threshold=int(hc["healthy_threshold"]),
        unhealthy_threshold=int(hc["unhealthy_threshold"]),
        deregistration_delay_s=float(raw["deregistration_delay_seconds"]),
        graceful_shutdown_s=float(raw["graceful_shutdown_seconds"]),
        stop_timeout_s=float(raw["stop_timeout_seconds"]),
    )


@functools.cache
def contract() -> Deployment:
    """The repository's contract, read once per process."""
    return read()
