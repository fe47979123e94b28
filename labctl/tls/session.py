"""What a returning client gets: session resumption by session id, by ticket (TLS <= 1.2) and by PSK (TLS 1.3)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from labctl.tls.target import Target

_STDLIB_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,  # deprecated names, accessed only to probe for them
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


@dataclass(frozen=True)
class Resumption:
    """Whether a second connection skipped the full handshake: None when that mechanism's version is not spoken."""

    session_ids: bool | None  # TLS <= 1.2, server-side session cache
    tickets: bool | None  # TLS <= 1.2, RFC 5077 tickets
    tls13: bool | None  # TLS 1.3 PSK from a NewSessionTicket

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)

    @property
    def none_work(self) -> bool:
        """True when no mechanism the server speaks resumed."""
        return not any((self.session_ids, self.tickets, self.tls13))


def _context(version: str, *, tickets: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # only asking "do you remember me?"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy versions are probed on purpose
        ctx.minimum_version = ctx.maximum_version = _STDLIB_VERSIONS[version]
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


def _head(tls: ssl.SSLSocket, target: Target) -> bytes:
    # a full request/response lets TLS 1.3 tickets (sent after the handshake) arrive and the server close cleanly
    host = target.sni or target.host
    tls.sendall(f"HEAD {target.path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := tls.recv(65536):
        data += chunk
    return data


def _connect(
    ctx: ssl.SSLContext, target: Target, ip: str, timeout: float, session: ssl.SSLSession | None
) -> tuple[bool, ssl.SSLSession | None]:
    """One connection: whether it resumed `session`, and the session it ended with."""
    with (
        socket.create_connection((ip, target.port), timeout=timeout) as raw,
        ctx.wrap_socket(raw, server_hostname=target.sni, session=session) as tls,
    ):
        with contextlib.suppress(OSError):  # not HTTP, or the server cut the connection: the handshake happened
            _head(tls, target)
        return bool(tls.session_reused), tls.session


def resumes(target: Target, ip: str, version: str, *, tickets: bool, timeout: float = 3.0) -> bool:
    """Connect twice at version; True when the second connection resumed the first one's session."""
    ctx = _context(version, tickets=tickets)
    try:
        _reused, session = _connect(ctx, target, ip, timeout, None)
        if session is None or (tickets and not session.has_ticket):
            return False
        return _connect(ctx, target, ip, timeout, session)[0]
    except (ssl.SSLError, OSError):
        return False


def probe_resumption(target: Target, ip: str, accepted: dict[str, bool], *, timeout: float = 3.0) -> Resumption:
    """Session ids and tickets on the best TLS <= 1.2 version spoken, PSK on TLS 1.3 (when spoken)."""
    older = next((v for v in ("TLSv1.2", "TLSv1.1", "TLSv1") if accepted.get(v)), None)
    with ThreadPoolExecutor(max_workers=3) as ex:
        ids = ex.submit(resumes, target, ip, older, tickets=False, timeout=timeout) if older else None
        tickets = ex.submit(resumes, target, ip, older, tickets=True, timeout=timeout) if older else None
        speaks13 = accepted.get("TLSv1.3")
        tls13 = ex.submit(resumes, target, ip, "TLSv1.3", tickets=True, timeout=timeout) if speaks13 else None
        return Resumption(
            session_ids=ids.result() if ids else None,
            tickets=tickets.result() if tickets else None,
            tls13=tls13.result() if tls13 else None,
        )
