"""The delay proxy adds one-way delay in each direction and emulates the SYN-ACK round trip."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from labctl.net.delay_proxy import CONNECTED, DelayProxy

pytestmark = pytest.mark.timeout(30)


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _round_trip(sock: socket.socket, payload: bytes) -> float:
    start = time.perf_counter()
    sock.sendall(payload)
    got = b""
    while len(got) < len(payload):
        got += sock.recv(65536)
    assert got == payload
    return (time.perf_counter() - start) * 1000


# Lower bounds are the delay itself and hold on any machine; upper bounds are judged on the best of a few
# tries, because a loaded CI box can stall any single one for 100 ms+.


def test_announced_connect_takes_one_rtt_and_each_exchange_another(echo_port: int) -> None:
    connects: list[float] = []
    echoes: list[float] = []
    with DelayProxy(("127.0.0.1", echo_port), 0.020, announce_connect=True) as proxy:
        for _ in range(3):
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
                assert sock.recv(1) == CONNECTED
                connects.append((time.perf_counter() - start) * 1000)
                echoes += [_round_trip(sock, b"ping %d" % i) for i in range(2)]
        assert proxy.connections == 3
    assert all(ms >= 40 for ms in connects + echoes), (connects, echoes)
    assert min(connects) < 70, connects
    assert min(echoes) < 70, echoes


def test_held_connect_delays_the_first_bytes_by_the_handshake(echo_port: int) -> None:
    connects: list[float] = []
    firsts: list[float] = []
    later: list[float] = []
    with DelayProxy(("127.0.0.1", echo_port), 0.020, announce_connect=False) as proxy:
        for _ in range(3):
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
                connects.append((time.perf_counter() - start) * 1000)
                firsts.append(_round_trip(sock, b"hello"))  # 1 RTT emulated handshake + 1 RTT exchange
                later.append(_round_trip(sock, b"again"))
    assert min(connects) < 20, connects  # the kernel answered; the proxy holds the data instead
    assert all(ms >= 80 for ms in firsts), firsts
    assert min(firsts) < 110, firsts
    assert all(ms >= 40 for ms in later), later
    assert min(later) < 70, later


def test_unreachable_upstream_closes_the_client() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = int(s.getsockname()[1])
    with (
        DelayProxy(("127.0.0.1", closed), 0.005, announce_connect=True) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock,
    ):
        assert sock.recv(1) == b""
