"""The one duration parser: one grammar everywhere, one set of bounds per use, one code per condition."""

from __future__ import annotations

from datetime import timedelta

import pytest

from labctl.durations import (
    CLOUD_TTL,
    EXTEND,
    LOAD_RUN,
    LOCAL_TTL,
    RTT,
    SLO_WINDOW,
    Rule,
    format_duration,
    parse_duration,
)
from labctl.output import LabError

ANY = Rule("--x")


def refused(text: str, rule: Rule) -> LabError:
    with pytest.raises(LabError) as err:
        parse_duration(text, rule)
    return err.value


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("2h", 7200),
        ("1h30m", 5400),
        ("90s", 90),
        (" 45M ", 2700),
        ("1h0m30s", 3630),
        ("1h 05m", 3900),
        ("30 m", 1800),
        ("1.5h", 5400),
        ("1d", 86400),
        ("250ms", 0.25),
        ("1m30s500ms", 90.5),
    ],
)
def test_one_grammar_of_numbers_with_units_largest_first(text: str, seconds: float) -> None:
    assert parse_duration(text, ANY).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "30", "abc", "-5m", "30x", "5m5m", "30s1m", "m", "1w", "5 minutes", "1,5h"])
def test_what_is_not_a_duration_is_invalid_duration_with_examples(text: str) -> None:
    err = refused(text, ANY)
    assert err.code == "invalid_duration"
    assert "30m" in err.hint


def test_ttl_90s_parses_alike_locally_and_in_the_cloud_only_the_bounds_differ() -> None:
    assert parse_duration("90s", LOCAL_TTL) == timedelta(seconds=90)
    err = refused("90s", CLOUD_TTL)
    assert err.code == "duration_out_of_range"
    assert "between 15m 00s and 12h 00m" in err.hint
    assert "labctl extend" in err.hint


@pytest.mark.parametrize(
    ("rule", "inside", "outside"),
    [
        (LOCAL_TTL, ["1m", "24h"], ["0", "0m", "30s", "25h"]),
        (CLOUD_TTL, ["15m", "1h30m", "12h"], ["0", "14m", "12h1m", "3d"]),
        (EXTEND, ["1s", "3d"], ["0", "0m"]),
        (LOAD_RUN, ["5s", "2h"], ["3s", "3h"]),
        (RTT, ["0", "5000ms", "5s"], ["6s", "10m"]),
        (SLO_WINDOW, ["5m", "30d"], ["0m"]),
    ],
)
def test_each_use_has_its_bounds_and_one_code_outside_them(rule: Rule, inside: list[str], outside: list[str]) -> None:
    for text in inside:
        parse_duration(text, rule)
    for text in outside:
        err = refused(text, rule)
        assert (err.code, rule.option in err.message) == ("duration_out_of_range", True), text


def test_the_local_ttl_range_is_named_in_the_hint() -> None:
    hint = refused("25h", LOCAL_TTL).hint
    assert "1m 00s" in hint
    assert "24h 00m" in hint


@pytest.mark.parametrize(("rule", "text", "seconds"), [(LOAD_RUN, "45", 45.0), (RTT, "20", 0.02), (RTT, "7.5", 0.0075)])
def test_a_bare_number_means_the_uses_own_unit(rule: Rule, text: str, seconds: float) -> None:
    assert parse_duration(text, rule).total_seconds() == pytest.approx(seconds)


def test_without_a_bare_unit_a_number_alone_is_refused_except_zero() -> None:
    assert refused("30", LOCAL_TTL).code == "invalid_duration"
    assert refused("0", LOCAL_TTL).code == "duration_out_of_range"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (8.4, "8s"), (1752, "29m 12s"), (3900, "1h 05m"), (-3, "0s")]
)
def test_durations_print_short_and_read_back(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown
    assert parse_duration(shown, ANY).total_seconds() == max(0, round(seconds))
