"""The local HTTPS lab: serve an ASGI app over h2 + http/1.1 (hypercorn, ALPN) behind a scenario's chain."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from labctl.output import JsonDoc, LabError
from labctl.paths import REPO_ROOT
from labctl.tls.pki import SCENARIOS, DemoPki, Scenario, build_scenario
from labctl.tls.serve import LOW_SECURITY

# launched by module path: labctl must not import api (import-linter), only start it
DEFAULT_APP = "api.http.app:create_app()"
DEFAULT_DIR = Path.home() / ".labctl" / "tls-demo"


def default_app_available() -> bool:
    """True when the booking API's app factory exists in this checkout."""
    return (REPO_ROOT / "api" / "http" / "app.py").is_file()


def lab_server(scenario: str, directory: Path | None, port: int, http_port: int | None, app: str | None) -> DemoServer:
    """The booking API (or `app`) behind the scenario's chain, not started; checks the scenario and the app."""
    if scenario not in SCENARIOS:
        raise LabError("unknown_scenario", f"no scenario {scenario!r}", f"choose one of: {' | '.join(SCENARIOS)}")
    if app is None and not default_app_available():
        raise LabError(
            "demo_app_missing",
            "api/http/app.py is not in this checkout, so there is no booking API to serve",
            "pass --app module:app to serve another ASGI app",
        )
    return DemoServer(
        scenario=scenario,  # narrowed to Scenario by the SCENARIOS check above
        directory=directory or DEFAULT_DIR,
        port=port,
        http_port=http_port,
        app=app or DEFAULT_APP,
        env={"STORE": "memory", "WEB_DIR": str(REPO_ROOT / "web")},
    )


def _bind(host: str, port: int) -> socket.socket:
    # bind here, hand the fd to hypercorn: no race for port 0, and "port in use" is our error to explain
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        in_use = exc.errno == errno.EADDRINUSE
        raise LabError(
            "port_in_use" if in_use else "cannot_listen",
            f"cannot listen on {host}:{port}: {exc.strerror}",
            "pick another --port" + (", or stop what is listening there (ss -ltnp)" if in_use else ""),
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    # runs in the child before exec: if labctl is killed outright (SIGKILL), Linux sends hypercorn SIGTERM
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _handshake_ok(host: str, port: int) -> bool:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # readiness only; inspect judges the chain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1  # the legacy-only lab must count as ready too
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    try:
        with (
            socket.create_connection((host, port), timeout=0.5) as raw,
            ctx.wrap_socket(raw, server_hostname="localhost"),
        ):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def exit_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit so `finally: server.stop()` runs (the default would orphan hypercorn)."""

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, _exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class DemoServer:
    """hypercorn in a subprocess serving `app` over TLS with the scenario's chain; a context manager."""

    scenario: Scenario
    directory: Path
    port: int = 8443
    host: str = "127.0.0.1"
    app: str = DEFAULT_APP
    env: dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 60.0  # a cold FastAPI import on a busy 2-core box can take 10 s+
    pki: DemoPki | None = None
    http_port: int | None = None  # also serve plain HTTP here (0 = any free port), to compare with HTTPS
    _proc: subprocess.Popen[bytes] | None = None
    _sock: socket.socket | None = None
    _http_sock: socket.socket | None = None

    @property
    def url(self) -> str:
        """The HTTPS URL the lab is served at."""
        return f"https://localhost:{self.port}/"

    @property
    def http_url(self) -> str | None:
        """The plain-HTTP URL, when http_port was asked for."""
        return None if self._http_sock is None else f"http://localhost:{self.http_port}/"

    def to_json(self) -> JsonDoc:
        """Where the lab listens (`tls demo --json`)."""
        assert self.pki is not None, "started servers only"
        return {
            "url": self.url,
            "port": self.port,
            "http_url": self.http_url,
            "scenario": self.scenario,
            "cafile": str(self.pki.cafile),
            "certfile": str(self.pki.certfile),
            "pid": self.pid,
        }

    def start(self) -> DemoServer:
        """Launch and wait until a TLS handshake succeeds."""
        self.launch()
        self.wait_ready()
        return self

    def launch(self) -> DemoServer:
        """Write the scenario's chain (unless pki was given) and start hypercorn, without waiting for it."""
        self.pki = self.pki or build_scenario(self.scenario, self.directory)
        self._sock = _bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        log = (self.directory / f"{self.scenario}-server.log").open("wb")
        fds = [self._sock.fileno()]
        launcher = ["labctl.tls.serve", self.scenario] if self.scenario in LOW_SECURITY else ["hypercorn"]
        cmd = [sys.executable, "-m", *launcher, "--workers", "0", "--bind", f"fd://{self._sock.fileno()}"]
        if self.http_port is not None:
            self._http_sock = _bind(self.host, self.http_port)
            self.http_port = self._http_sock.getsockname()[1]
            fds.append(self._http_sock.fileno())
            cmd += ["--insecure-bind", f"fd://{self._http_sock.fileno()}"]
        cmd += ["--certfile", str(self.pki.certfile), "--keyfile", str(self.pki.keyfile), self.app]
        self._proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env={**os.environ, **self.env},
            pass_fds=tuple(fds),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()
        return self

    def wait_ready(self) -> None:
        """Return once hypercorn completes a TLS handshake; LabError (and stop) if it exits or stalls."""
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
    def pid(self) -> int | None:
        """hypercorn's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def log(self) -> Path:
        """The server's combined stdout/stderr."""
        return self.directory / f"{self.scenario}-server.log"

    def log_tail(self, lines: int = 3) -> str:
        """The last few lines hypercorn printed (why it failed to start)."""
        text = self.log.read_text(errors="replace").strip().splitlines() if self.log.exists() else []
        return " | ".join(text[-lines:]) or "no output"

    def wait(self) -> None:
        """Block until hypercorn exits; Ctrl-C ends the wait quietly."""
        assert self._proc is not None
        with contextlib.suppress(KeyboardInterrupt):
            self._proc.wait()

    def stop(self) -> None:
        """Terminate hypercorn (SIGTERM, then SIGKILL after 5 s) and release the socket."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for sock in (self._sock, self._http_sock):
            if sock is not None:
                sock.close()
        self._sock = self._http_sock = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
