"""The one duration parser: `90s`, `30m`, `2h`, `1h30m`, `1h 05m`, `1.5h`, `100ms`, `30d`.

Every option that takes a duration names its Rule here (the bounds of that one use), so `--ttl 90s`
parses the same way locally and in the cloud; only the bounds differ, and the error says which.
Not a duration -> `invalid_duration`; a duration outside the rule's bounds -> `duration_out_of_range`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from labctl.output import LabError

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_ORDER = tuple(_UNITS)  # a duration names its units largest first, each once: `1h30m`, not `30m1h`
_TERM = re.compile(r"(\d+(?:\.\d+)?)(ms|[dhms])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
EXAMPLES = "90s, 30m, 2h or 1h30m"
_UNIT_NAMES = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "ms": "milliseconds"}


@dataclass(frozen=True)
class Rule:
    """One use of a duration: its option, its bounds and what a bare number means (None: a unit is required)."""

    option: str
    minimum: timedelta = timedelta()
    maximum: timedelta | None = None
    bare_unit: str | None = None
    why: str = ""  # a sentence for the out-of-range hint


LOCAL_TTL = Rule("--ttl", timedelta(minutes=1), timedelta(hours=24), why="A local lab left for a day is forgotten.")
CLOUD_TTL = Rule(
    "--ttl",
    timedelta(minutes=15),
    timedelta(hours=12),
    why="A cloud lab lives 15 minutes to 12 hours; `labctl extend` adds time later.",
)
EXTEND = Rule("duration", timedelta(seconds=1), why="The lab's expiry is capped at 12 h from now.")
LOAD_RUN = Rule("--duration", timedelta(seconds=5), timedelta(hours=2), bare_unit="s")
RTT = Rule("--rtt", timedelta(), timedelta(seconds=5), bare_unit="ms")
ROLLOUT_LOAD = Rule("--duration", timedelta(seconds=5), timedelta(minutes=10), bare_unit="s")
BAKE = Rule("--bake", timedelta(seconds=1), timedelta(minutes=10), bare_unit="s")
SLO_WINDOW = Rule("window", timedelta(seconds=1))
SMOKE_WAIT = Rule(
    "--wait", timedelta(), timedelta(minutes=30), bare_unit="s", why="A deploy that needs longer is broken."
)
EXPIRY_GRACE = Rule("--grace", timedelta(), timedelta(hours=2), why="The reaper starts at the expiry itself.")


def parse_duration(text: str, rule: Rule) -> timedelta:
    """text as a timedelta within rule's bounds; LabError invalid_duration / duration_out_of_range otherwise."""
    raw = "".join(text.lower().split())
    if _NUMBER.fullmatch(raw) and (rule.bare_unit is not None or float(raw) == 0):
        value = timedelta(seconds=float(raw) * _UNITS[rule.bare_unit or "s"])
    else:
        value = _terms(raw, text, rule)
    too_long = rule.maximum is not None and value > rule.maximum
    if value < rule.minimum or too_long:
        raise LabError(
            "duration_out_of_range",
            f"{rule.option} {text.strip()} is out of range.",
            f"Use {_span(rule)}. {rule.why}".strip(),
        )
    return value


def _terms(raw: str, text: str, rule: Rule) -> timedelta:
    terms = _TERM.findall(raw)
    units = [unit for _, unit in terms]
    ordered = units == sorted(set(units), key=_ORDER.index)
    if not raw or "".join(n + u for n, u in terms) != raw or not ordered:
        bare = f"; a bare number is {_UNIT_NAMES[rule.bare_unit]}" if rule.bare_unit else ""
        raise LabError(
            "invalid_duration",
            f"{rule.option} {text.strip()!r} is not a duration.",
            f"Use a number with a unit (d, h, m, s, ms), largest first: {EXAMPLES}{bare}.",
        )
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in terms))


def _span(rule: Rule) -> str:
    low = format_duration(rule.minimum.total_seconds())
    if rule.maximum is None:
        return f"at least {low}"
    return f"between {low} and {format_duration(rule.maximum.total_seconds())}"


def format_duration(seconds: float) -> str:
    """Short human form: `1h 05m`, `29m 12s`, `8s` (negative counts as 0); parse_duration reads it back."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def hours(delta: timedelta) -> float:
    """A timedelta in hours."""
    return delta.total_seconds() / 3600
