"""Durations as the learner types them (`30m`, `2h`, `1h30m`, `90s`) and as the lab prints them."""

from __future__ import annotations

import re

from labctl.output import LabError

_PART = re.compile(r"(\d+)([hms])")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 24 * 3600  # a local lab left for a day is a forgotten lab


def parse_ttl(text: str, *, minimum: int = MIN_TTL_SECONDS, maximum: int = MAX_TTL_SECONDS) -> int:
    """Seconds in `text` (`30m`, `2h`, `1h30m`, `45s`); LabError `invalid_ttl` otherwise or out of range."""
    raw = text.strip().lower()
    parts = _PART.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw or len({u for _, u in parts}) != len(parts):
        raise LabError(
            "invalid_ttl",
            f"--ttl {text!r} is not a duration.",
            "Use a number with a unit: 30m, 2h, 1h30m or 90s.",
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if not minimum <= seconds <= maximum:
        raise LabError(
            "invalid_ttl",
            f"--ttl {text} is out of range.",
            f"Use between {format_duration(minimum)} and {format_duration(maximum)}.",
        )
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: `1h 05m`, `29m 12s`, `8s` (negative counts as 0)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
