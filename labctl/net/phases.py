"""Time one HTTP(S) fetch phase by phase: DNS, TCP connect, TLS handshake, first byte, transfer.

Hand-rolled on sockets + ssl + h11/h2 (not httpx) so each phase starts and stops exactly where
the protocol does: the timer is the lesson.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from typing import Literal

from labctl.net.delay_proxy import CONNECTED
from labctl.output import LabError
from labctl.tls.target import Target

HttpVersion = Literal["1.1", "2"]
TlsVersion = Literal["1.2", "1.3"]
_TLS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@dataclass(frozen=True)
class Phases:
    """Seconds spent in each phase of one fetch, and what was negotiated."""

    dns: float
    tcp: float
    tls: float
    ttfb: float  # request sent -> first byte of the response
    transfer: float  # first byte -> last byte
    tls_version: str | None
    http: str
    resumed: bool
    status: int
    size: int

    @property
    def total(self) -> float:
        """DNS through last byte."""
        return self.dns + self.tcp + self.tls + self.ttfb + self.transfer


def client_context(*, cafile: str | None, tls: TlsVersion | None, http: HttpVersion) -> ssl.SSLContext:
    """A verifying client context pinned to one TLS version, offering h2 only if asked for HTTP/2."""
    ctx = ssl.create_default_context(cafile=cafile)
    if tls is not None:
        ctx.minimum_version = ctx.maximum_version = _TLS[tls]
    ctx.set_alpn_protocols(["h2", "http/1.1"] if http == "2" else ["http/1.1"])
    return ctx


def _connect(addrs: list[tuple[str, int]], via_proxy: bool, timeout: float) -> socket.socket:
    # each address in resolver order, as curl and browsers do: a refused ::1 costs microseconds, not a failure
    last: OSError = OSError("no address")
    for addr in addrs:
        try:
            sock = socket.create_connection(addr, timeout=timeout)
            break
        except OSError as exc:
            last = exc
    else:
        code = "connection_refused" if isinstance(last, ConnectionRefusedError) else "connect_failed"
        where = ", ".join(f"{a[0]}:{a[1]}" for a in addrs)
        raise LabError(code, f"cannot connect to {where}: {last}", "is the server running on that port?")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # Nagle would add its own delay
    if via_proxy:
        try:
            signal = sock.recv(1)  # the delay proxy's emulated SYN-ACK
        except OSError:
            signal = b""
        if signal != CONNECTED:
            sock.close()
            raise LabError("connect_failed", "the delay proxy could not reach the server", "is the server running?")
    return sock


def _request_h1(sock: socket.socket, target: Target) -> tuple[float, float, int, int]:
    import h11

    conn = h11.Connection(h11.CLIENT)
    headers = [("Host", target.authority), ("User-Agent", "labctl"), ("Connection", "close")]
    t_sent = time.perf_counter()
    sock.sendall(conn.send(h11.Request(method="GET", target=target.path, headers=headers)))
    sock.sendall(conn.send(h11.EndOfMessage()))
    t_first, status, size = 0.0, 0, 0
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = sock.recv(65536)
            t_first = t_first or time.perf_counter()
            conn.receive_data(data)
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            size += len(event.data)
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return t_first - t_sent, time.perf_counter() - t_first, status, size


def _request_h2(sock: socket.socket, target: Target) -> tuple[float, float, int, int]:
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    headers = [(":method", "GET"), (":path", target.path), (":scheme", "https"), (":authority", target.authority)]
    conn.send_headers(stream, headers, end_stream=True)
    t_sent = time.perf_counter()
    sock.sendall(conn.data_to_send())
    t_first, status, size = 0.0, 0, 0
    while True:
        data = sock.recv(65536)
        if not data:
            raise LabError("connection_closed", "the server closed the HTTP/2 connection early", "")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                # h2's first server bytes are its SETTINGS, sent unasked: time the response HEADERS instead
                t_first = time.perf_counter()
                status = int(dict(event.headers).get(b":status", b"0"))
            elif isinstance(event, h2.events.DataReceived):
                size += len(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                conn.close_connection()
                sock.sendall(conn.data_to_send())
                return t_first - t_sent, time.perf_counter() - t_first, status, size
        if pending := conn.data_to_send():
            sock.sendall(pending)


def _request(conn: socket.socket, target: Target, http: str) -> tuple[float, float, int, int]:
    import h2.exceptions
    import h11

    try:
        return (_request_h2 if http == "2" else _request_h1)(conn, target)
    except TimeoutError as exc:
        raise LabError("timeout", f"{target.authority} sent no response in time", "is the server overloaded?") from exc
    except (OSError, h11.ProtocolError, h2.exceptions.ProtocolError) as exc:
        msg = f"{target.authority} broke off the HTTP/{http} exchange: {exc}"
        raise LabError("http_failed", msg, "is this the right port and scheme?") from exc


def fetch(
    target: Target,
    *,
    tls_ctx: ssl.SSLContext | None,
    session: ssl.SSLSession | None = None,
    proxy_port: int | None = None,
    timeout: float = 10.0,
) -> tuple[Phases, ssl.SSLSession | None]:
    """One GET, timed per phase; returns the TLS session so the next fetch can resume it."""
    t0 = time.perf_counter()
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise LabError("dns_resolution_failed", f"cannot resolve {target.host}: {exc.strerror}", "") from exc
    t_dns = time.perf_counter()
    ips = list(dict.fromkeys(str(info[4][0]) for info in infos))
    addrs = [("127.0.0.1", proxy_port)] if proxy_port else [(ip, target.port) for ip in ips]
    sock = _connect(addrs, proxy_port is not None, timeout)
    t_tcp = time.perf_counter()
    try:
        version, http, resumed = None, "1.1", False
        conn: socket.socket = sock
        if tls_ctx is not None:
            try:
                # an IP literal still goes in server_hostname: ssl then checks the IP SANs and sends no SNI
                conn = tls_ctx.wrap_socket(sock, server_hostname=target.sni or target.host, session=session)
            except ssl.SSLCertVerificationError as exc:
                raise LabError(
                    "certificate_untrusted",
                    f"{target.authority}: {exc.verify_message}",
                    "pass --cafile with the lab's root CA, or run `labctl tls inspect` to see why",
                ) from exc
            except (ssl.SSLError, OSError) as exc:
                raise LabError("tls_handshake_failed", f"{target.authority}: {exc}", "is this a TLS port?") from exc
            assert isinstance(conn, ssl.SSLSocket)
            version, resumed = conn.version(), bool(conn.session_reused)
            http = "2" if conn.selected_alpn_protocol() == "h2" else "1.1"
        t_tls = time.perf_counter()
        ttfb, transfer, status, size = _request(conn, target, http)
        new_session = conn.session if isinstance(conn, ssl.SSLSocket) else None
    finally:
        sock.close()
    phases = Phases(t_dns - t0, t_tcp - t_dns, t_tls - t_tcp, ttfb, transfer, version, http, resumed, status, size)
    return phases, new_session
