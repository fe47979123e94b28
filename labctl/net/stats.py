"""Small statistics shared by the net commands."""

from __future__ import annotations

import math
import statistics


def median(values: list[float]) -> float:
    """The median (0.0 for no values)."""
    return statistics.median(values) if values else 0.0


def p95(values: list[float]) -> float:
    """95th percentile by nearest rank: with 5 samples it is the maximum, on purpose (no interpolation)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
