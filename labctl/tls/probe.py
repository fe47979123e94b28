"""The network side of `tls inspect`: one verifying handshake (pyOpenSSL), protocol probes and HSTS."""

from __future__ import annotations

import socket
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from OpenSSL import SSL

from labctl.output import LabError
from labctl.tls.target import Target
from labctl.tls.wire import ALL_CIPHERS, drive, pinned_context, tls_client

# OpenSSL X509_V_ERR_* codes the findings understand (include/openssl/x509_vfy.h)
VERIFY_MESSAGES = {
    2: "unable to get issuer certificate",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in certificate chain",
    20: "unable to get local issuer certificate",
    21: "unable to verify the first certificate",
    24: "invalid CA certificate",
    26: "unsupported certificate purpose",
    62: "hostname mismatch",
    64: "IP address mismatch",
    66: "EE certificate key too weak",
    67: "CA certificate key too weak",
    68: "CA signature digest algorithm too weak",
}


@dataclass(frozen=True)
class VerifyError:
    """One complaint from OpenSSL's chain verifier: which depth (0 = leaf), which X509_V_ERR code."""

    depth: int
    errnum: int

    @property
    def message(self) -> str:
        """OpenSSL's wording for the code."""
        return VERIFY_MESSAGES.get(self.errnum, f"X509 verify error {self.errnum}")


@dataclass
class Handshake:
    """What one full handshake revealed."""

    ip: str
    chain: list[x509.Certificate]
    tls_version: str
    cipher: str
    alpn: str | None
    ocsp_stapled: bool
    verify_errors: list[VerifyError] = field(default_factory=list)


def resolve(target: Target, timeout: float) -> list[str]:
    """Addresses for target.host, in the order the resolver prefers."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise LabError(
            "dns_resolution_failed",
            f"cannot resolve {target.host}: {exc.strerror}",
            "check the spelling; for the local lab use localhost",
        ) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def open_tcp(target: Target, timeout: float) -> socket.socket:
    """TCP connect to the first address that answers; LabError with a stable code otherwise."""
    last: OSError | None = None
    for ip in resolve(target, timeout):
        try:
            return socket.create_connection((ip, target.port), timeout=timeout)
        except OSError as exc:
            last = exc
    if isinstance(last, ConnectionRefusedError):
        raise LabError(
            "connection_refused",
            f"nothing is listening on {target.authority}",
            "is the server running? start the local lab with `labctl tls demo`",
        )
    raise LabError(
        "connect_failed",
        f"cannot connect to {target.authority}: {last}",
        "check the host and port, and any firewall or security group in the path",
    )


def reachable_ip(target: Target, timeout: float) -> str:
    """The first resolved address that accepts a TCP connection (LabError with a stable code if none)."""
    with open_tcp(target, timeout) as sock:
        return str(sock.getpeername()[0])


def _looks_like_plain_http(target: Target, timeout: float) -> bool:
    # after a failed handshake, ask in plain text: an HTTP status line means the port is not TLS
    try:
        with open_tcp(target, timeout) as sock:
            sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {target.host}\r\n\r\n".encode())
            return sock.recv(5) == b"HTTP/"
    except (OSError, LabError):
        return False


def handshake(target: Target, *, cafile: Path | None, timeout: float = 5.0, legacy: bool = False) -> Handshake:
    """Full handshake offering h2 and http/1.1, requesting an OCSP staple, recording verify errors.

    legacy also offers TLS 1.0/1.1 and weak suites (OpenSSL's default security level refuses them).
    """
    errors: list[VerifyError] = []
    staple: list[bytes] = []

    def on_verify(_c: SSL.Connection, _cert: object, errnum: int, depth: int, ok: int) -> bool:
        if not ok:
            errors.append(VerifyError(depth, errnum))
        return True  # keep going: we want the whole chain and every problem, not the first one

    def on_ocsp(_c: SSL.Connection, data: bytes, _d: object) -> bool:
        staple.append(data)
        return True

    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_PEER, on_verify)
    if cafile is not None:
        ctx.load_verify_locations(str(cafile))
    else:
        ctx.set_default_verify_paths()
        if sys.platform in ("darwin", "win32"):
            import certifi  # pyOpenSSL's wheel cannot see these OS stores: fall back to Mozilla's, as httpx does

            ctx.load_verify_locations(certifi.where())
    if legacy:
        ctx.set_cipher_list(ALL_CIPHERS)
        ctx.set_min_proto_version(SSL.TLS1_VERSION)
    ctx.set_alpn_protos([b"h2", b"http/1.1"])
    ctx.set_ocsp_client_callback(on_ocsp)
    sock = open_tcp(target, timeout)
    ip = str(sock.getpeername()[0])
    conn = SSL.Connection(ctx, sock)
    if target.sni:
        conn.set_tlsext_host_name(target.sni.encode())
    conn.request_ocsp()
    conn.set_connect_state()
    try:
        drive(conn, sock, time.monotonic() + timeout)
        chain = conn.get_peer_cert_chain(as_cryptography=True) or []
        alpn = conn.get_alpn_proto_negotiated().decode() or None
        return Handshake(
            ip=ip,
            chain=list(chain),
            tls_version=conn.get_protocol_version_name(),
            cipher=conn.get_cipher_name() or "",
            alpn=alpn,
            ocsp_stapled=bool(staple and staple[0]),
            verify_errors=errors,
        )
    except (SSL.Error, TimeoutError, OSError) as exc:
        if _looks_like_plain_http(target, timeout):
            raise LabError(
                "not_tls",
                f"{target.authority} speaks plain HTTP, not TLS",
                f"use http://{target.authority}/ for this port, or point tls inspect at the HTTPS port",
            ) from exc
        raise LabError(
            "tls_handshake_failed",
            f"TLS handshake with {target.authority} failed: {exc or type(exc).__name__}",
            "is this a TLS port? try `openssl s_client -connect HOST:PORT` to see the raw exchange",
        ) from exc
    finally:
        sock.close()


def fetch_hsts(target: Target, ip: str, *, timeout: float = 3.0) -> str | None:
    """Strict-Transport-Security of GET path over HTTP/1.1: the value, "" if absent, None if unreadable."""
    import h11  # lazily: only inspect needs an HTTP parser

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # trust was judged by handshake()
    ctx.set_alpn_protocols(["http/1.1"])
    client = h11.Connection(h11.CLIENT)
    request = h11.Request(
        method="GET", target=target.path, headers=[("Host", target.sni or target.host), ("Connection", "close")]
    )
    try:
        with (
            socket.create_connection((ip, target.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=target.sni) as tls,
        ):
            tls.sendall(client.send(request) + client.send(h11.EndOfMessage()))
            while True:
                event = client.next_event()
                if event is h11.NEED_DATA:
                    data = tls.recv(65536)
                    client.receive_data(data)
                    if not data:
                        return None
                    continue
                if isinstance(event, h11.Response):
                    headers = dict((k.decode().lower(), v.decode()) for k, v in event.headers)
                    return headers.get("strict-transport-security", "")
                return None
    except (OSError, h11.ProtocolError):
        return None


def default_certificate(target: Target, ip: str, *, timeout: float = 3.0) -> x509.Certificate | None:
    """The leaf served to a client that sends no SNI (None if the server refuses such a client)."""
    try:
        with tls_client(pinned_context(), ip, target.port, None, timeout) as conn:
            chain = conn.get_peer_cert_chain(as_cryptography=True) or []
    except (SSL.Error, OSError, TimeoutError):
        return None
    return chain[0] if chain else None
