"""Durations on the command line: `15m`, `2h`, `1h30m`; the cloud lab's TTL is 15 min to 12 h."""

from __future__ import annotations

import re
from datetime import timedelta

from labctl.output import LabError

MIN_TTL = timedelta(minutes=15)
MAX_TTL = timedelta(hours=12)
_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_duration(text: str, *, option: str = "--ttl") -> timedelta:
    """`2h`, `90m`, `1h30m` -> timedelta; invalid_duration otherwise."""
    raw = text.strip().lower()
    if raw == "0":
        return timedelta()
    parts = _PART.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw:
        raise LabError(
            "invalid_duration", f"{option} {text!r} is not a duration.", "Use minutes and hours, e.g. 45m, 2h or 1h30m."
        )
    return sum((int(n) * _UNITS[u] for n, u in parts), timedelta())


def parse_ttl(text: str) -> timedelta:
    """A cloud lab's time to live: 15m..12h (invalid_ttl outside)."""
    ttl = parse_duration(text)
    if not MIN_TTL <= ttl <= MAX_TTL:
        raise LabError(
            "invalid_ttl",
            f"--ttl {text} is outside 15m..12h.",
            "A cloud lab lives 15 minutes to 12 hours; `labctl extend` adds time later.",
        )
    return ttl


def hours(delta: timedelta) -> float:
    """A timedelta in hours."""
    return delta.total_seconds() / 3600
