"""Lab 05 check: your cost answers match the estimate computed from the synthesized templates.

Run: python labs/05-cost/check.py   (about 30 s: two in-process CDK synths; offline, no AWS calls)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from labctl.cost.estimate import Estimate, estimate
from labctl.cost.templates import synthesize
from labctl.labs import checklist

ANSWERS = Path(os.environ.get("LABCTL_HOME", Path.home() / ".labctl")) / "cost-answers.json"
REGION, TTL_HOURS, REQUESTS = "us-east-1", 2.0, 10_000


def _biggest_fixed(est: Estimate) -> str:
    per_type: dict[str, float] = {}
    for line in est.lines:
        if line.kind == "fixed":
            per_type[line.resource] = per_type.get(line.resource, 0.0) + line.usd
    return max(per_type, key=lambda k: per_type[k])


def check() -> list[tuple[str, bool | None, str]]:
    """(name, ok, detail) per question; None while the answers file is missing."""
    fargate, lam = (
        estimate(synthesize(compute=m, region=REGION), region=REGION, ttl_hours=TTL_HOURS, requests=REQUESTS)
        for m in ("fargate", "lambda")
    )
    cheapest = min((fargate, lam), key=lambda e: e.total_usd).compute
    results: list[tuple[str, bool | None, str]] = [
        (
            "estimate synthesizes both modes",
            fargate.per_hour_usd > 0 and lam.per_hour_usd > 0,
            f"fargate ${fargate.per_hour_usd:.4f}/h, lambda ${lam.per_hour_usd:.4f}/h",
        ),
    ]
    if not ANSWERS.exists():
        return [*results, ("answers written", None, f"write {ANSWERS} (see README step 3)")]
    answers = json.loads(ANSWERS.read_text())
    per_hour = float(answers.get("fargate_per_hour_usd", 0))
    results += [
        ("cheapest mode for 2 h", answers.get("cheapest_mode") == cheapest, f"expected {cheapest}"),
        (
            "fargate fixed cost per hour",
            abs(per_hour - fargate.per_hour_usd) <= 0.01 * fargate.per_hour_usd,
            f"you: ${per_hour:.4f}, model: ${fargate.per_hour_usd:.4f}",
        ),
        (
            "biggest fixed item",
            answers.get("biggest_fixed_item") == _biggest_fixed(fargate),
            f"expected {_biggest_fixed(fargate)}",
        ),
    ]
    return results


if __name__ == "__main__":
    sys.exit(checklist.main(check))
