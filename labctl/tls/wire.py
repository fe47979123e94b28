"""One pyOpenSSL client handshake on a plain socket, bounded by a deadline (shared by every probe)."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Iterator

from OpenSSL import SSL

# everything this client can offer, weak and anonymous suites included: a scanner must ask for what it reports
ALL_CIPHERS = b"ALL:COMPLEMENTOFALL:@SECLEVEL=0"
PROTOCOLS = {
    "TLSv1": SSL.TLS1_VERSION,
    "TLSv1.1": SSL.TLS1_1_VERSION,
    "TLSv1.2": SSL.TLS1_2_VERSION,
    "TLSv1.3": SSL.TLS1_3_VERSION,
}
LEGACY = ("TLSv1", "TLSv1.1")


def drive(conn: SSL.Connection, sock: socket.socket, deadline: float) -> None:
    """Finish the handshake; pyOpenSSL on a socket with a timeout is non-blocking, so wait for readiness here."""
    while True:
        try:
            conn.do_handshake()
            return
        except SSL.WantReadError:
            ready = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0]
        except SSL.WantWriteError:
            ready = select.select([], [sock], [], max(0.0, deadline - time.monotonic()))[1]
        if not ready:
            raise TimeoutError("TLS handshake timed out")


def pinned_context(version: str | None = None) -> SSL.Context:
    """A non-verifying client context offering every suite, pinned to one protocol version (or all of them)."""
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_cipher_list(ALL_CIPHERS)
    low, high = (PROTOCOLS[version], PROTOCOLS[version]) if version else (SSL.TLS1_VERSION, SSL.TLS1_3_VERSION)
    ctx.set_min_proto_version(low)
    ctx.set_max_proto_version(high)
    return ctx


@contextlib.contextmanager
def tls_client(ctx: SSL.Context, ip: str, port: int, sni: str | None, timeout: float) -> Iterator[SSL.Connection]:
    """Connect, send sni (if any), complete the handshake; raises SSL.Error, OSError or TimeoutError."""
    with socket.create_connection((ip, port), timeout=timeout) as sock:
        conn = SSL.Connection(ctx, sock)
        if sni:
            conn.set_tlsext_host_name(sni.encode())
        conn.set_connect_state()
        drive(conn, sock, time.monotonic() + timeout)
        yield conn


def accepts(ctx: SSL.Context, ip: str, port: int, sni: str | None, timeout: float) -> SSL.Connection | None:
    """The finished connection's state if the server completes a handshake with ctx, else None."""
    try:
        with tls_client(ctx, ip, port, sni, timeout) as conn:
            return conn
    except (SSL.Error, OSError, TimeoutError):
        return None
