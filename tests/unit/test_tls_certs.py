"""Certificate summaries and RFC 6125 hostname matching, on certificates built in the test."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from labctl.tls.certs import describe, hostname_matches, is_self_signed

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _cert(
    sans: list[x509.GeneralName] | None,
    *,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    not_after: dt.datetime = NOW + dt.timedelta(days=10, hours=1),
) -> x509.Certificate:
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0xABC)
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(not_after)
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("example.com", "example.com", True),
        ("example.com", "EXAMPLE.com.", True),
        ("*.example.com", "www.example.com", True),
        ("*.example.com", "example.com", False),  # a wildcard needs one label
        ("*.example.com", "a.b.example.com", False),  # and only one
        ("www.example.com", "api.example.com", False),
    ],
)
def test_dns_names_match_per_rfc_6125(pattern: str, host: str, expected: bool) -> None:
    assert hostname_matches(_cert([x509.DNSName(pattern)]), host) is expected


def test_ip_literals_match_only_ip_sans() -> None:
    cert = _cert([x509.DNSName("127.0.0.1"), x509.IPAddress(ipaddress.ip_address("::1"))])
    assert hostname_matches(cert, "::1") is True
    assert hostname_matches(cert, "127.0.0.1") is False  # a DNSName spelling an IP does not count


def test_common_name_alone_is_ignored() -> None:
    assert hostname_matches(_cert(None), "example.com") is False


def test_describe_reports_key_days_left_and_self_signature() -> None:
    info = describe(_cert([x509.DNSName("example.com")]), now=NOW)
    assert info.days_left == 10
    assert info.serial == "ABC"
    assert info.sans == ["example.com"]
    assert str(info.key) == "EC-256"
    assert not info.key.weak
    assert info.self_signed
    assert not info.is_ca
    assert info.signature_algorithm == "ecdsa-with-SHA256"
    assert len(info.sha256) == 32 * 3 - 1


def test_expiry_is_judged_on_the_instant_and_days_are_truncated() -> None:
    just_expired = describe(_cert([], not_after=NOW - dt.timedelta(hours=1)), now=NOW)
    assert just_expired.expired
    assert just_expired.days_left == 0
    two_days_ago = describe(_cert([], not_after=NOW - dt.timedelta(days=2, hours=1)), now=NOW)
    assert two_days_ago.days_left == -2
    last_day = describe(_cert([], not_after=NOW + dt.timedelta(hours=23)), now=NOW)
    assert not last_day.expired
    assert last_day.days_left == 0


def test_a_certificate_from_the_future_is_not_yet_valid() -> None:
    info = describe(_cert([]), now=NOW - dt.timedelta(days=31))
    assert info.not_yet_valid
    assert not info.expired


def test_rsa_1024_is_weak() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - weak on purpose
    info = describe(_cert([], key=key), now=NOW)
    assert str(info.key) == "RSA-1024"
    assert info.key.weak


def test_same_name_signed_by_another_key_is_not_self_signed() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    assert is_self_signed(_cert([], issuer_key=other)) is False
