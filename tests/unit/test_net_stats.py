"""Durations, percentiles, expected round trips and asset URLs."""

from __future__ import annotations

import pytest

from labctl.net.compare import asset_urls
from labctl.net.handshake import expected_rtts, parse_url
from labctl.net.stats import median, p95
from labctl.output import LabError


def test_p95_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert p95(values) == 95.0
    assert median(values) == 50.5
    assert p95([3.0, 1.0, 2.0, 5.0, 4.0]) == 5.0
    assert p95([]) == 0.0
    assert median([]) == 0.0


def test_expected_round_trips() -> None:
    tls13, tls12, plain = expected_rtts("TLSv1.3"), expected_rtts("TLSv1.2"), expected_rtts(None)
    assert (tls13["setup"], tls12["setup"], plain["setup"]) == (2.0, 3.0, 1.0)
    assert (tls13["first_byte"], tls12["first_byte"]) == (3.0, 4.0)
    assert tls12["tls_resumed"] == tls13["tls_resumed"] == 1.0


def test_asset_urls_are_distinct_and_keep_the_query() -> None:
    urls = asset_urls("https://h:1/a?x=1", 3)
    assert urls == ["https://h:1/a?x=1&asset=0", "https://h:1/a?x=1&asset=1", "https://h:1/a?x=1&asset=2"]


def test_parse_url_needs_a_scheme() -> None:
    assert parse_url("http://localhost:8080/")[1] is False
    with pytest.raises(LabError):
        parse_url("localhost:8080")


def test_report_rows_count_in_rtts_of_the_configured_link() -> None:
    from labctl.net.handshake import HandshakeReport
    from labctl.tls.target import parse_target

    samples = {
        "dns": [0.1, 0.1, 0.1],
        "tcp": [51.0, 52.0, 60.0],
        "tls": [104.0, 106.0, 150.0],
        "ttfb": [53.0, 54.0, 55.0],
        "transfer": [0.5, 0.6, 0.7],
        "setup": [155.0, 158.0, 210.0],
        "first_byte": [208.0, 212.0, 265.0],
    }
    report = HandshakeReport("https://h/", parse_target("h:443"), "127.0.0.1", 50.0, "TLSv1.2", "2", samples, 0)
    rows = {r["phase"]: r for r in report.rows()}
    assert "tls_resumed" not in rows  # the server refused to resume: no row rather than a zero
    assert rows["tls"] == {"phase": "tls", "median_ms": 106.0, "p95_ms": 150.0, "rtts": 2.12, "expected_rtts": 2.0}
    assert rows["setup"]["rtts"] == 3.16
    assert rows["setup"]["expected_rtts"] == 3.0
    document = report.to_json()
    assert document["runs"] == 3
    assert document["rtt_basis_ms"] == 50.0


def test_without_rtt_the_tcp_connect_is_the_yardstick() -> None:
    from labctl.net.handshake import HandshakeReport
    from labctl.tls.target import parse_target

    samples = {"tcp": [0.2, 0.2, 0.4], "ttfb": [1.0, 1.0, 1.0]}
    report = HandshakeReport("http://h/", parse_target("http://h/"), "127.0.0.1", None, None, "1.1", samples, 0)
    assert report.rtt_basis_ms == 0.2
    assert {r["phase"]: r["rtts"] for r in report.rows()} == {"tcp": 1.0, "ttfb": 5.0}
