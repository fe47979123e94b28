"""What one certificate says about itself, and whether it names the host we connected to (RFC 6125)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from labctl.tls.target import is_ip_literal

# below these, a key is breakable or soon will be (NIST SP 800-57: RSA 2048 / P-256 ~ 112-128 bits)
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


@dataclass(frozen=True)
class KeyInfo:
    """Public key algorithm and size in bits."""

    type: str
    bits: int

    def __str__(self) -> str:
        return f"{self.type}-{self.bits}"

    @property
    def weak(self) -> bool:
        """True below RSA 2048 / EC 256 bits."""
        limit = {"RSA": MIN_RSA_BITS, "DSA": MIN_RSA_BITS, "EC": MIN_EC_BITS}.get(self.type, 0)
        return self.bits < limit


@dataclass(frozen=True)
class CertInfo:
    """The fields `tls inspect` reports per certificate in the presented chain."""

    subject: str
    issuer: str
    sans: list[str]
    serial: str
    not_before: str
    not_after: str
    days_left: int  # whole days to notAfter, truncated toward zero (-2 means it expired 2 days ago)
    expired: bool
    not_yet_valid: bool
    key: KeyInfo
    signature_algorithm: str
    sha256: str
    is_ca: bool
    self_signed: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON form; key becomes {"type","bits"}."""
        return asdict(self)

    @property
    def lifespan_days(self) -> int:
        """notBefore to notAfter in whole days (what CA/Browser Forum and Mozilla limits count)."""
        return (dt.datetime.fromisoformat(self.not_after) - dt.datetime.fromisoformat(self.not_before)).days

    @property
    def short_name(self) -> str:
        """The subject's CN, or the whole subject when it has none."""
        cn = next((part[3:] for part in self.subject.split(",") if part.startswith("CN=")), None)
        return cn or self.subject


def _key_info(cert: x509.Certificate) -> KeyInfo:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return KeyInfo("RSA", key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyInfo("EC", key.curve.key_size)
    if isinstance(key, dsa.DSAPublicKey):
        return KeyInfo("DSA", key.key_size)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyInfo("Ed25519", 256)
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyInfo("Ed448", 456)
    return KeyInfo(type(key).__name__, 0)


def sans_of(cert: x509.Certificate) -> list[str]:
    """DNS names and IP addresses from the subjectAltName extension (empty if absent)."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names: list[str] = list(ext.get_values_for_type(x509.DNSName))
    names += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
    return names


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the signature verifies with the certificate's own key."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _signature_name(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    return getattr(oid, "_name", None) or oid.dotted_string


def describe(cert: x509.Certificate, *, now: dt.datetime) -> CertInfo:
    """Summarise one certificate as seen at `now` (injected, so tests need no clock)."""
    not_after, not_before = cert.not_valid_after_utc, cert.not_valid_before_utc
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=sans_of(cert),
        serial=format(cert.serial_number, "X"),
        not_before=not_before.isoformat(),
        not_after=not_after.isoformat(),
        days_left=int((not_after - now) / dt.timedelta(days=1)),
        expired=now > not_after,
        not_yet_valid=now < not_before,
        key=_key_info(cert),
        signature_algorithm=_signature_name(cert),
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        is_ca=_is_ca(cert),
        self_signed=is_self_signed(cert),
    )


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == host
    # a wildcard covers exactly one left-most label: *.example.com matches a.example.com, not example.com
    head, _, rest = host.partition(".")
    return bool(head) and rest == pattern[2:]


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """RFC 6125: match host against the SANs only (browsers ignore the CN); IPs only match IP SANs."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if ip is not None:
        return ip in ext.get_values_for_type(x509.IPAddress)
    return any(_dns_match(name, host) for name in ext.get_values_for_type(x509.DNSName))


def common_name_matches(cert: x509.Certificate, host: str) -> bool:
    """The pre-RFC 6125 fallback that curl, Python and OpenSSL keep: no DNS SAN, and the subject CN names host."""
    if any(not is_ip_literal(name) for name in sans_of(cert)):
        return False
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return any(_dns_match(str(attr.value), host) for attr in cns)
