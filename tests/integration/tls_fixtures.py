"""Helpers for the TLS/net integration tests: a tiny ASGI app hypercorn can serve, and server launchers.

Kept free of pytest imports: hypercorn imports this file by path (`tls_fixtures.py:app`) in its subprocess.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

APP_SPEC = f"{Path(__file__).resolve()}:app"
ASSET = b"x" * 1024  # one small resource, the size of a typical icon or JS chunk


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve `/`, `/healthz`, `/api/movies` and small assets; echo the HTTP version in a header."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    if path == "/api/movies":
        body = json.dumps({"items": [{"id": "m1", "title": "Test Movie"}]}).encode()
        ctype = b"application/json"
    elif path == "/healthz":
        body, ctype = b'{"status":"ok"}', b"application/json"
    elif path.startswith("/asset"):
        body, ctype = ASSET, b"application/octet-stream"
    else:
        body, ctype = b"<!doctype html><title>tls test</title>", b"text/html"
    headers = [
        (b"content-type", ctype),
        (b"content-length", str(len(body)).encode()),
        (b"x-http-version", str(scope.get("http_version", "")).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- helpers for the test modules (imported by them; hypercorn only needs `app` above) ---

HSTS_VALUE = "max-age=63072000; includeSubDomains"


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Invoke `labctl ARGS` in-process; returns (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from labctl.cli import app as cli_app

    result = CliRunner().invoke(cli_app, args)
    return result.exit_code, result.stdout, result.stderr


def accept_forever(sock: Any, handle: Callable[[Any], None]) -> None:
    """Hand each accepted connection to handle in its own thread, until sock is closed."""
    import threading

    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


@contextlib.contextmanager
def demo_servers(directory: Path, scenarios: Iterable[str]) -> Iterator[dict[str, Any]]:
    """A running DemoServer (this file's tiny app) per scenario: all launched, then all awaited, then stopped."""
    from labctl.tls.demo import DemoServer

    started: dict[str, DemoServer] = {}
    try:
        for scenario in scenarios:  # launch all, then wait: the interpreter start-ups overlap
            started[scenario] = DemoServer(scenario, directory, port=0, app=APP_SPEC).launch()  # type: ignore[arg-type]
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()


def inspect_demo(server: Any) -> tuple[int, str, str]:
    """`labctl tls inspect` (human output) against a running DemoServer, trusting its root."""
    assert server.pki is not None
    return run_cli(["tls", "inspect", f"localhost:{server.port}", "--cafile", str(server.pki.cafile)])


class LegacyTlsServer:
    """A stdlib TLS server that still accepts TLS 1.0/1.1 (what `legacy_protocol` is about) and sends HSTS."""

    def __init__(self, certfile: Path, keyfile: Path) -> None:
        import socket
        import ssl
        import threading

        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._ctx.minimum_version = ssl.TLSVersion.TLSv1  # deliberately legacy
        self._ctx.set_ciphers("ALL:@SECLEVEL=0")
        self._ctx.load_cert_chain(certfile, keyfile)
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        accept_forever(self._sock, self._one)

    def _one(self, conn: Any) -> None:
        import ssl

        try:
            with self._ctx.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(2)
                if tls.recv(4096):
                    tls.sendall(
                        b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: "
                        + HSTS_VALUE.encode()
                        + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
        except (ssl.SSLError, OSError):
            conn.close()

    def close(self) -> None:
        """Stop accepting."""
        self._sock.close()


class PlainHttpServer:
    """http.server on a free port: the 'I gave tls inspect the HTTP port' mistake."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Quiet(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()

            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        self.port: int = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class PyOpenSSLServer:
    """A pyOpenSSL TLS server (its own OpenSSL: ML-KEM groups, no session cache, an SNI-less default certificate).

    chains maps an SNI name to (certfile, keyfile); the "" entry is what a client sending no SNI gets.
    """

    def __init__(
        self,
        chains: dict[str, tuple[Path, Path]],
        *,
        ciphers: bytes = b"ECDHE+AESGCM",
        min_version: int | None = None,
        resumption: bool = True,
    ) -> None:
        import socket
        import threading

        from OpenSSL import SSL

        self._contexts = {
            name: self._context(cert, key, ciphers, min_version, resumption) for name, (cert, key) in chains.items()
        }
        default = self._contexts[""]

        def pick(conn: SSL.Connection) -> None:
            name = (conn.get_servername() or b"").decode()
            conn.set_context(self._contexts.get(name, default))

        default.set_tlsext_servername_callback(pick)
        self._default = default
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _context(cert: Path, key: Path, ciphers: bytes, min_version: int | None, resumption: bool) -> Any:
        from OpenSSL import SSL

        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_cipher_list(ciphers)  # first: a @SECLEVEL=0 in it is what lets a weak key load
        ctx.use_certificate_chain_file(str(cert))
        ctx.use_privatekey_file(str(key))
        if min_version is not None:
            ctx.set_min_proto_version(min_version)
        if not resumption:
            ctx.set_session_cache_mode(SSL.SESS_CACHE_OFF)
            ctx.set_options(SSL.OP_NO_TICKET)
        return ctx

    def _serve(self) -> None:
        accept_forever(self._sock, self._one)

    def _one(self, raw: Any) -> None:
        from OpenSSL import SSL

        raw.setblocking(True)  # pyOpenSSL treats a socket with a timeout as non-blocking
        tls = SSL.Connection(self._default, raw)
        tls.set_accept_state()
        try:
            tls.do_handshake()
            if tls.recv(4096):
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            tls.shutdown()
        except (SSL.Error, OSError):
            pass
        finally:
            raw.close()

    def close(self) -> None:
        """Stop accepting."""
        self._sock.close()
