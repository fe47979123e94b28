"""The local HTTPS lab: serve an ASGI app over h2 + http/1.1 (hypercorn, ALPN) behind a scenario's chain."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from labctl.output import LabError
from labctl.tls.pki import DemoPki, Scenario, build_scenario

REPO_ROOT = Path(__file__).resolve().parents[2]
# launched by module path: labctl must not import api (import-linter), only start it
DEFAULT_APP = "api.http.app:create_app()"
DEFAULT_DIR = Path.home() / ".labctl" / "tls-demo"


def default_app_available() -> bool:
    """True when the booking API's app factory exists in this checkout."""
    return (REPO_ROOT / "api" / "http" / "app.py").is_file()


def _bind(host: str, port: int) -> socket.socket:
    # bind here, hand the fd to hypercorn: no race for port 0, and "port in use" is our error to explain
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise LabError(
            "port_in_use",
            f"cannot listen on {host}:{port}: {exc.strerror}",
            "pick another --port, or stop what is listening there (ss -ltnp)",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _handshake_ok(host: str, port: int) -> bool:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # readiness only; inspect judges the chain
    try:
        with (
            socket.create_connection((host, port), timeout=0.5) as raw,
            ctx.wrap_socket(raw, server_hostname="localhost"),
        ):
            return True
    except OSError:
        return False


@dataclass
class DemoServer:
    """hypercorn in a subprocess serving `app` over TLS with the scenario's chain; a context manager."""

    scenario: Scenario
    directory: Path
    port: int = 8443
    host: str = "127.0.0.1"
    app: str = DEFAULT_APP
    env: dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 20.0
    pki: DemoPki | None = None
    _proc: subprocess.Popen[bytes] | None = None
    _sock: socket.socket | None = None

    @property
    def url(self) -> str:
        """The HTTPS URL the lab is served at."""
        return f"https://localhost:{self.port}/"

    def start(self) -> DemoServer:
        """Write the chain, start hypercorn and return once a TLS handshake succeeds."""
        self.pki = build_scenario(self.scenario, self.directory)
        self._sock = _bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        log = (self.directory / f"{self.scenario}-server.log").open("wb")
        cmd = [sys.executable, "-m", "hypercorn", "--workers", "0", "--bind", f"fd://{self._sock.fileno()}"]
        cmd += ["--certfile", str(self.pki.certfile), "--keyfile", str(self.pki.keyfile), self.app]
        self._proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env={**os.environ, **self.env},
            pass_fds=(self._sock.fileno(),),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                self.stop()
                tail = self.log_tail()
                raise LabError("demo_failed_to_start", f"hypercorn exited: {tail}", f"full log: {self.log}")
            if _handshake_ok(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise LabError("demo_failed_to_start", "no TLS handshake within the timeout", f"see {self.log}")

    @property
    def log(self) -> Path:
        """The server's combined stdout/stderr."""
        return self.directory / f"{self.scenario}-server.log"

    def log_tail(self, lines: int = 3) -> str:
        """The last few lines hypercorn printed (why it failed to start)."""
        text = self.log.read_text(errors="replace").strip().splitlines() if self.log.exists() else []
        return " | ".join(text[-lines:]) or "no output"

    def wait(self) -> int:
        """Block until the server exits (Ctrl-C in the foreground)."""
        assert self._proc is not None
        return self._proc.wait()

    def stop(self) -> None:
        """Terminate hypercorn (SIGTERM, then SIGKILL after 5 s) and release the socket."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
