"""Parsing what the learner types as a TLS target."""

from __future__ import annotations

import pytest

from labctl.output import LabError
from labctl.tls.target import parse_target


@pytest.mark.parametrize(
    ("text", "host", "port", "sni", "path"),
    [
        ("example.com", "example.com", 443, "example.com", "/"),
        ("example.com:8443", "example.com", 8443, "example.com", "/"),
        ("https://example.com/api/movies", "example.com", 443, "example.com", "/api/movies"),
        ("https://Example.COM.:9443/x", "example.com.", 9443, "example.com", "/x"),
        ("http://localhost/", "localhost", 80, "localhost", "/"),
        ("127.0.0.1:8443", "127.0.0.1", 8443, None, "/"),
        ("[::1]:8443", "::1", 8443, None, "/"),
    ],
)
def test_targets_split_into_host_port_and_sni(text: str, host: str, port: int, sni: str | None, path: str) -> None:
    target = parse_target(text)
    assert (target.host, target.port, target.sni, target.path) == (host, port, sni, path)


def test_explicit_port_and_servername_win() -> None:
    target = parse_target("https://10.0.0.5:8443/", port=443, servername="shop.example.com")
    assert (target.port, target.sni, target.authority) == (443, "shop.example.com", "10.0.0.5:443")


def test_ipv6_authority_is_bracketed() -> None:
    assert parse_target("[::1]:8443").authority == "[::1]:8443"


@pytest.mark.parametrize("text", ["", "   ", "ftp://example.com", "https://", "bad host", "host:99999", "a..b", "h:x"])
def test_malformed_targets_raise_invalid_target(text: str) -> None:
    with pytest.raises(LabError) as info:
        parse_target(text)
    assert info.value.code == "invalid_target"
    assert info.value.hint
