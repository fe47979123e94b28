"""Small statistics and duration parsing shared by the net commands."""

from __future__ import annotations

import math
import re
import statistics

from labctl.output import LabError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


def parse_duration_ms(text: str) -> float:
    """'100ms', '0.1s' or '100' (milliseconds) -> 100.0; LabError on anything else."""
    match = _DURATION.match(text)
    if not match:
        raise LabError("invalid_duration", f"cannot read {text!r} as a duration", "use e.g. 50ms or 0.05s")
    value = float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)
    if value > 5000:
        raise LabError("invalid_duration", f"{text} is longer than 5 s", "pick an RTT of at most 5000ms")
    return value


def median(values: list[float]) -> float:
    """The median (0.0 for no values)."""
    return statistics.median(values) if values else 0.0


def p95(values: list[float]) -> float:
    """95th percentile by nearest rank: with 5 samples it is the maximum, on purpose (no interpolation)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
