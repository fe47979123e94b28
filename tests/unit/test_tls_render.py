"""The human view of `tls inspect` prints what the server sent verbatim."""

from __future__ import annotations

import pytest

from labctl.tls.findings import Finding
from labctl.tls.inspect import InspectReport
from labctl.tls.policies import PolicyMatch, ProfileVerdict
from labctl.tls.render import render_report
from labctl.tls.scan import ProtocolScan
from labctl.tls.target import parse_target
from tests.support.tls_builders import cert_info


def _report(**leaf: str) -> InspectReport:
    return InspectReport(
        target=parse_target("localhost:8443"),
        ip="127.0.0.1",
        tls_version="TLSv1.3",
        cipher="TLS_AES_128_GCM_SHA256",
        alpn="h2",
        chain=[cert_info(**leaf)],
        trusted=False,
        hostname_match=True,
        protocols=[ProtocolScan(version="TLSv1.3", accepted=True, ciphers=[])],
        groups=["X25519"],
        resumption=None,
        no_sni_certificate=None,
        ocsp_stapled=False,
        hsts="max-age=60; [preload]",
        profile=ProfileVerdict("none", "intermediate", []),
        aws_policies=[PolicyMatch("TLSv1.2_2025", "cloudfront", match=False, missing=[], extra=[])],
        findings=[Finding("self_signed", "error", f"the leaf ({leaf.get('subject', '')}) is self-signed")],
    )


def test_fingerprint_hex_pairs_are_not_turned_into_emoji(capsys: pytest.CaptureFixture[str]) -> None:
    render_report(_report(sha256="35:AB:58:CD:01", serial="AB"))
    out = capsys.readouterr().out
    assert "35:AB:58:CD:01" in out  # Rich's default emoji codes would print ":AB:" as a symbol
    assert "\N{NEGATIVE SQUARED AB}" not in out


def test_server_chosen_names_are_not_read_as_markup(capsys: pytest.CaptureFixture[str]) -> None:
    subject = "CN=[/x] [bold]shop[/bold]"  # anyone can put this in a self-signed certificate
    render_report(_report(subject=subject, issuer=subject))
    out = capsys.readouterr().out
    assert out.count("[bold]shop[/bold]") >= 3  # subject, issuer, and the finding that names it
    assert "max-age=60; [preload]" in out
