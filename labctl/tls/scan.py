"""Which cipher suites a server accepts per protocol version, with their key exchange; which groups it accepts.

Enumeration offers every suite this client has, records the one the server picks, drops it and asks again
until the server refuses: accepted + 1 handshakes per version and family, not one per suite (sslyze's way).
pyOpenSSL carries its own OpenSSL that still speaks TLS 1.0 and can choose TLS 1.3 suites; the stdlib
ssl module can pin a single key-exchange group (set_ecdh_curve), which pyOpenSSL cannot.
"""

from __future__ import annotations

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from OpenSSL import SSL

from labctl.tls.wire import PROTOCOLS, accepts, pinned_context

TLS13_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
)
# probed one at a time over TLS 1.3, where the group is independent of the certificate (in 1.2 it is not)
GROUPS = ("X25519", "prime256v1", "secp384r1", "secp521r1", "X448", "ffdhe2048", "ffdhe3072", "ffdhe4096")
_GROUP_NAMES = {"x25519": "X25519", "x448": "X448", "secp256r1": "prime256v1"}  # OpenSSL spells them both ways
_FAMILIES = ("ECDHE-ECDSA-", "ECDHE-", "DHE-", "")  # enumerated side by side: one chain of handshakes each


@dataclass(frozen=True)
class Cipher:
    """One accepted suite: OpenSSL name, key exchange (with the group used), secret-key bits, forward secrecy."""

    name: str
    kx: str
    bits: int
    forward_secrecy: bool

    @property
    def weak(self) -> bool:
        """Under 128 bits, no encryption, no authentication, RC4 or 3DES."""
        anonymous = self.name.startswith(("ADH-", "AECDH-"))
        return self.bits < 128 or anonymous or any(w in self.name for w in ("NULL", "RC4", "DES-CBC3", "EXP"))


@dataclass(frozen=True)
class ProtocolScan:
    """One protocol version: accepted at all, and with which suites."""

    version: str
    accepted: bool
    ciphers: list[Cipher] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: {"version","accepted","ciphers":[{"name","kx","bits","forward_secrecy"}]}."""
        return {"version": self.version, "accepted": self.accepted, "ciphers": [asdict(c) for c in self.ciphers]}


def group_name(raw: str | None) -> str | None:
    """One spelling per group (OpenSSL says x25519 and secp256r1 where the TLS lists say X25519 and prime256v1)."""
    return None if raw is None else _GROUP_NAMES.get(raw, raw)


@cache
def offerable_ciphers() -> tuple[str, ...]:
    """TLS 1.0-1.2 suites this client can put in a ClientHello (PSK and SRP need credentials, so never sent)."""
    names = SSL.Connection(pinned_context(), None).get_cipher_list()
    return tuple(n for n in names if not n.startswith("TLS_") and "PSK" not in n and not n.startswith("SRP-"))


def _kx(name: str, group: str | None) -> tuple[str, bool]:
    if name.startswith("TLS_"):  # TLS 1.3: always ephemeral, the group says which kind
        kind = "DHE" if (group or "").startswith("ffdhe") else "ECDHE+ML-KEM" if "MLKEM" in (group or "") else "ECDHE"
    elif name.startswith(("ECDHE-", "AECDH-")):
        kind = "ECDHE"
    elif name.startswith(("DHE-", "EDH-", "ADH-")):
        kind = "DHE"
    else:
        return "RSA", False  # static RSA key transport: record today, decrypt later with the stolen key
    return (f"{kind} {group}" if group else kind), True


def _pick(version: str, offer: list[str], ip: str, port: int, sni: str | None, timeout: float) -> Cipher | None:
    ctx = pinned_context(version)
    try:
        if version == "TLSv1.3":
            ctx.set_tls13_ciphersuites(":".join(offer).encode())
        else:
            ctx.set_cipher_list((":".join(offer) + ":@SECLEVEL=0").encode())
    except SSL.Error:
        return None  # this build cannot offer any of them
    conn = accepts(ctx, ip, port, sni, timeout)
    if conn is None or conn.get_protocol_version_name() != version:
        return None
    name = conn.get_cipher_name() or ""
    kx, fs = _kx(name, group_name(conn.get_group_name()))
    return Cipher(name=name, kx=kx, bits=conn.get_cipher_bits() or 0, forward_secrecy=fs)


def _enumerate(version: str, pool: list[str], ip: str, port: int, sni: str | None, timeout: float) -> list[Cipher]:
    found: list[Cipher] = []
    while pool:
        picked = _pick(version, pool, ip, port, sni, timeout)
        if picked is None or picked.name not in pool:
            break
        found.append(picked)
        pool = [n for n in pool if n != picked.name]
    return found


def _pools(version: str) -> list[list[str]]:
    if version == "TLSv1.3":
        return [list(TLS13_SUITES)]
    rest = list(offerable_ciphers())
    pools = []
    for prefix in _FAMILIES:
        pools.append([n for n in rest if n.startswith(prefix)])
        rest = [n for n in rest if not n.startswith(prefix)]
    return [p for p in pools if p]


def scan_protocols(ip: str, port: int, sni: str | None, *, timeout: float = 3.0) -> list[ProtocolScan]:
    """Every protocol version with the suites accepted in it, in parallel (one thread per version and family)."""
    jobs = [(v, pool) for v in PROTOCOLS for pool in _pools(v)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as ex:
        futures = [(v, ex.submit(_enumerate, v, pool, ip, port, sni, timeout)) for v, pool in jobs]
        found: dict[str, list[Cipher]] = {v: [] for v in PROTOCOLS}
        for version, fut in futures:
            found[version] += fut.result()
    return [ProtocolScan(v, bool(cs), cs) for v, cs in found.items()]


def _group_accepted(group: str, ip: str, port: int, sni: str | None, timeout: float) -> bool:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # only asking "would you use this group?"
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    try:
        ctx.set_ecdh_curve(group)  # on OpenSSL 3 this sets the one group offered, key share included
        with socket.create_connection((ip, port), timeout=timeout) as raw, ctx.wrap_socket(raw, server_hostname=sni):
            return True
    except (ssl.SSLError, ValueError, OSError):
        return False


def scan_groups(ip: str, port: int, sni: str | None, *, timeout: float = 3.0) -> list[str]:
    """Key-exchange groups the server accepts over TLS 1.3, one handshake per group (in parallel)."""
    with ThreadPoolExecutor(max_workers=len(GROUPS)) as ex:
        futures = {g: ex.submit(_group_accepted, g, ip, port, sni, timeout) for g in GROUPS}
        return [g for g, fut in futures.items() if fut.result()]
