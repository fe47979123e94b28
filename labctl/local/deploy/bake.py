"""The bake's rollback rules: green's 5xx rate and p95 from its target group, as the front door measures them.

The door counts what the ALB publishes per target group (the target's 5xx and the door's own 502/504 for
it, the response time to the first byte), so a green that crashes or hangs counts as failing, not as
silent. Rolled back when, over the bake so far:
- green answered at least MIN_5XX server errors and they are more than MAX_5XX_RATE of its answers
  (the cloud's rollback alarm wants more than 5 target 5xx in each of two minutes; a lab bake lasts seconds);
- or, with at least MIN_SAMPLES answers, green's p95 is above BASELINE_FACTOR x blue's p95 before the
  shift, kept between the SLO's latency threshold (contracts/slo.yaml) and P95_CEILING_MS: a busy laptop
  is slow for both colours, and only a green slower than blue is a bad release;
- or green's target is unhealthy (its /readyz failed `unhealthy_threshold` checks in a row).
Too few answers to judge is not a failure (CloudWatch's "missing data is not breaching").
"""

from __future__ import annotations

from collections.abc import Mapping

from labctl.local.deploy.model import Bake

MAX_5XX_RATE = 0.01
MIN_5XX = 3
MIN_SAMPLES = 10
BASELINE_FACTOR = 3.0
P95_CEILING_MS = 1500.0


def p95_limit(blue_p95_ms: float | None, floor_ms: float) -> float:
    """The p95 green must stay under: 3x blue's, at least the SLO threshold, at most the ceiling."""
    scaled = BASELINE_FACTOR * blue_p95_ms if blue_p95_ms is not None else floor_ms
    return round(min(max(scaled, floor_ms), P95_CEILING_MS), 1)


def judge(
    window: Mapping[str, object], target_state: str, blue_p95_ms: float | None, floor_ms: float
) -> tuple[Bake, str | None]:
    """Green's bake numbers so far, and the reason to roll back (None: keep going)."""
    requests = _int(window.get("requests"))
    elb = _int(window.get("elb_5xx"))
    errors = _int(window.get("target_5xx")) + elb
    p95 = window.get("p95_ms")
    green_p95 = float(p95) if isinstance(p95, int | float) else None
    limit = p95_limit(blue_p95_ms, floor_ms)
    numbers = Bake(requests, errors, green_p95, blue_p95_ms, limit)
    if errors >= MIN_5XX and errors > MAX_5XX_RATE * requests:
        return numbers, f"green's 5xx rate {errors / requests:.1%} ({errors} of {requests}) is above {MAX_5XX_RATE:.0%}"
    if green_p95 is not None and requests - elb >= MIN_SAMPLES and green_p95 > limit:
        base = f"3x blue's {blue_p95_ms:.0f} ms" if blue_p95_ms is not None else "the SLO threshold"
        bounds = f"{floor_ms:.0f}-{P95_CEILING_MS:.0f}"
        return numbers, f"green's p95 {green_p95:.0f} ms is above {limit:.0f} ms ({base}, kept within {bounds} ms)"
    if target_state == "unhealthy":
        return numbers, "green failed its health checks (/readyz)"
    return numbers, None


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
