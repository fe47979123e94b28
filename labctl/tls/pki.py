"""A throwaway 3-level PKI (root CA -> intermediate -> leaf) and the broken chains of each demo scenario."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Scenario = Literal[
    "ok", "expired", "expiring", "wrong-host", "missing-intermediate", "self-signed", "legacy-only", "weak-key", "sha1"
]
SCENARIOS: tuple[Scenario, ...] = (
    "ok",
    "expired",
    "expiring",
    "wrong-host",
    "missing-intermediate",
    "self-signed",
    "legacy-only",  # the chain of "ok", served by a server that speaks only TLS 1.0 and 1.1
    "weak-key",  # an RSA-1024 leaf
    "sha1",  # a leaf the intermediate signed with SHA-1
)
LEAF_HOSTS = ("localhost", "127.0.0.1", "::1")
WRONG_HOST = "shop.example.test"  # a name the learner is certainly not connecting to
EXPIRING_DAYS = 10

Key = ec.EllipticCurvePrivateKey
LeafKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
WEAK_RSA_BITS = 1024


@dataclass(frozen=True)
class DemoPki:
    """Where the scenario's files live: what the server presents, its key, and the root to trust."""

    certfile: Path  # the chain the server sends, leaf first
    keyfile: Path
    cafile: Path  # the root CA, for --cafile / curl --cacert


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "labctl demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> Key:
    # P-256: fast to generate (RSA-2048 takes ~100 ms each) and what ACM issues for ECDSA certs
    return ec.generate_private_key(ec.SECP256R1())


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _issue(
    *,
    subject: x509.Name,
    key: LeafKey,
    issuer: x509.Name,
    issuer_key: LeafKey,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    hosts: tuple[str, ...] = (),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(_san(hosts), critical=False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: LeafKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(directory: Path, stem: str) -> tuple[x509.Certificate, Key] | None:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    if not (cert_path.exists() and key_path.exists()):
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    return x509.load_pem_x509_certificate(cert_path.read_bytes()), key


def _save(directory: Path, stem: str, cert: x509.Certificate, key: Key) -> None:
    (directory / f"{stem}.pem").write_bytes(_pem(cert))
    key_path = directory / f"{stem}.key"
    key_path.write_bytes(_key_pem(key))
    key_path.chmod(0o600)


def _ca_cert(
    subject: x509.Name, key: Key, issuer: x509.Name, issuer_key: Key, now: dt.datetime, *, days: int
) -> x509.Certificate:
    """A CA certificate valid from a day ago for `days` days."""
    start = now - dt.timedelta(days=1)
    return _issue(
        subject=subject,
        key=key,
        issuer=issuer,
        issuer_key=issuer_key,
        ca=True,
        not_before=start,
        not_after=now + dt.timedelta(days=days),
    )


def _ca(directory: Path, now: dt.datetime) -> tuple[x509.Certificate, Key, x509.Certificate, Key]:
    """Reuse the CA pair kept in directory (so a root the learner trusted stays valid), else create it."""
    day = dt.timedelta(days=1)
    root, inter = _load(directory, "root-ca"), _load(directory, "intermediate-ca")
    if root and inter and inter[0].not_valid_after_utc > now + 30 * day:
        return root[0], root[1], inter[0], inter[1]
    root_key, inter_key = _new_key(), _new_key()
    root_name, inter_name = _name("labctl demo Root CA"), _name("labctl demo Intermediate CA")
    root_cert = _ca_cert(root_name, root_key, root_name, root_key, now, days=3650)
    inter_cert = _ca_cert(inter_name, inter_key, root_name, root_key, now, days=1825)
    _save(directory, "root-ca", root_cert, root_key)
    _save(directory, "intermediate-ca", inter_cert, inter_key)
    return root_cert, root_key, inter_cert, inter_key


def build_scenario(scenario: Scenario, directory: Path, *, now: dt.datetime | None = None) -> DemoPki:
    """Issue the scenario's leaf under the (reused) demo CA and write the chain the server presents."""
    now = now or dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    directory.mkdir(parents=True, exist_ok=True)
    _root, _root_key, inter, inter_key = _ca(directory, now)
    leaf_key: LeafKey = rsa.generate_private_key(65537, WEAK_RSA_BITS) if scenario == "weak-key" else _new_key()
    hosts = (WRONG_HOST,) if scenario == "wrong-host" else LEAF_HOSTS
    not_before, not_after = now - day, now + 90 * day  # 90 days: the Let's Encrypt / ACM renewal rhythm
    if scenario == "expired":
        not_before, not_after = now - 92 * day, now - 2 * day
    elif scenario == "expiring":
        not_after = now + EXPIRING_DAYS * day + dt.timedelta(hours=12)
    leaf_issuer, leaf_issuer_key = (
        (_name("localhost"), leaf_key) if scenario == "self-signed" else (inter.subject, inter_key)
    )
    leaf = _issue(
        subject=_name("localhost"),
        key=leaf_key,
        issuer=leaf_issuer,
        issuer_key=leaf_issuer_key,
        ca=False,
        not_before=not_before,
        not_after=not_after,
        hosts=hosts,
    )
    if scenario == "sha1":
        leaf = _resign_sha1(leaf, inter_key)
    presented = [leaf] if scenario in ("self-signed", "missing-intermediate") else [leaf, inter]
    pki = DemoPki(
        certfile=directory / f"{scenario}-chain.pem",
        keyfile=directory / f"{scenario}-key.pem",
        cafile=directory / "root-ca.pem",
    )
    pki.certfile.write_bytes(b"".join(_pem(c) for c in presented))
    pki.keyfile.write_bytes(_key_pem(leaf_key))
    pki.keyfile.chmod(0o600)
    return pki


def _resign_sha1(cert: x509.Certificate, issuer_key: Key) -> x509.Certificate:
    """The same certificate signed with SHA-1 (cryptography refuses to, pyOpenSSL's older API still can)."""
    import warnings

    from OpenSSL import crypto

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the deprecated API is the only one left that signs SHA-1
        legacy = crypto.X509.from_cryptography(cert)
        legacy.sign(crypto.PKey.from_cryptography_key(issuer_key), "sha1")
        return legacy.to_cryptography()
