"""--ttl parsing and the durations the lab prints."""

from __future__ import annotations

import pytest

from labctl.local.durations import format_duration, parse_ttl
from labctl.output import LabError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("90s", 90), (" 45M ", 2700), ("1h0m30s", 3630)],
)
def test_ttl_accepts_hours_minutes_and_seconds(text: str, seconds: int) -> None:
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "abc", "-5m", "30x", "5m5m", "m", "1.5h", "30 m"])
def test_ttl_that_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(LabError) as err:
        parse_ttl(text)
    assert err.value.code == "invalid_ttl"
    assert "30m" in err.value.hint


@pytest.mark.parametrize("text", ["0m", "30s", "25h"])
def test_ttl_out_of_range_is_refused_with_the_range(text: str) -> None:
    with pytest.raises(LabError) as err:
        parse_ttl(text)
    assert err.value.code == "invalid_ttl"
    assert "1m 00s" in err.value.hint
    assert "24h 00m" in err.value.hint


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (8.4, "8s"), (1752, "29m 12s"), (3900, "1h 05m"), (-3, "0s")]
)
def test_durations_print_short(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown
