"""The supervisor: starts the lab, keeps it running, stops it cleanly.

It starts DynamoDB Local, moto (SQS, S3, CloudWatch, Logs), the API and the worker, each in its own
process group; creates the queues and the table and seeds the catalog; waits until everything is healthy;
then watches them (restarting the API or the worker if one dies) until Ctrl-C, `labctl down --local`
(SIGTERM) or the TTL. Stopping is SIGTERM per group, SIGKILL after a grace period, then a check that
every port is free. Foreground: `labctl up --local`. Detached: `python -m labctl.local.supervisor`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from labctl.local import dynamodb_local, procs, provision, services, state
from labctl.local.ports import free_port, port_open
from labctl.local.services import REPO_ROOT, Endpoints
from labctl.local.state import LabState, ServiceRecord
from labctl.output import LabError

SEED_DAYS_AT_START = 2  # today and tomorrow: enough to book within seconds of the start
SEED_DAYS = 7  # the rest is loaded in the background once the lab is healthy
STAGE_TIMEOUT_S = 150.0  # per stage, generous: 2 shared cores can be very slow
RESTART_LIMIT = 5
RESTARTABLE = ("api", "worker")  # stateless; DynamoDB Local and moto hold the data in memory
Progress = Callable[[str], None]
Popen = subprocess.Popen[bytes]


class Interrupted(Exception):
    """A stop was requested while the lab was still starting."""


@dataclass(frozen=True)
class Options:
    port: int
    ttl_seconds: int
    hold_ttl: int
    detached: bool
    launch_id: str
    region: str = services.REGION
    table: str = services.TABLE_NAME
    t0: float | None = None  # when the learner's command started (epoch): "ready in" counts from there


@dataclass
class StopReport:
    reason: str
    seconds: float
    stopped: list[str] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    ports_open: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.survivors and not self.ports_open


class Supervisor:
    """Owns the lab's child processes for its whole life."""

    def __init__(self, opts: Options, progress: Progress | None = None, clock: Callable[[], float] = time.time):
        self.opts = opts
        self._progress = progress or (lambda _msg: None)
        self._clock = clock
        self._stop = threading.Event()
        self.reason = ""
        self._procs: dict[str, Popen] = {}
        self._lab: LabState | None = None
        self._env: dict[str, str] = {}

    # -- lifecycle --------------------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Ask the lab to stop (safe from a signal handler)."""
        self.reason = self.reason or reason
        self._stop.set()

    def install_signal_handlers(self) -> None:
        def handler(reason: str) -> Callable[[int, FrameType | None], None]:
            return lambda _sig, _frame: self.request_stop(reason)

        signal.signal(signal.SIGINT, handler("ctrl-c"))
        signal.signal(signal.SIGTERM, handler("labctl down"))
        signal.signal(signal.SIGHUP, handler("terminal closed"))

    def run(self, on_ready: Callable[[LabState], None]) -> StopReport:
        """Start, call on_ready, supervise until asked to stop; always stop everything. LabError if start fails."""
        lock = state.LabLock()
        if not lock.acquire():
            raise already_running()
        try:
            self.install_signal_handlers()
            try:
                on_ready(self.start())
                self.serve()
            except Interrupted:
                pass
            finally:
                report = self.shutdown()
        finally:
            lock.release()
        return report

    def start(self) -> LabState:
        """Bring every service up and wait until all are healthy; the ready state (also saved)."""
        o, t0 = self.opts, time.monotonic()
        procs.ensure_port_free(o.port)
        dynamodb_local.java_path(), dynamodb_local.find_jar()  # fail before anything is started
        logs = state.logs_dir()
        logs.mkdir(parents=True, exist_ok=True)
        for old in logs.glob("*.log"):
            old.unlink()
        moto_port = free_port()
        moto = self._spawn("moto", services.moto_argv(moto_port), services.child_env({}), moto_port)
        ddb = dynamodb_local.launch(logs / "dynamodb.log")
        endpoints = Endpoints(dynamodb=ddb.endpoint_url, moto=f"http://127.0.0.1:{moto_port}")
        now = self._clock()
        self._lab = LabState(
            launch_id=o.launch_id,
            status="starting",
            supervisor_pid=os.getpid(),
            supervisor_create_time=procs.create_time(os.getpid()),
            detached=o.detached,
            port=o.port,
            api_url=f"http://127.0.0.1:{o.port}",
            region=o.region,
            table_name=o.table,
            hold_ttl_seconds=o.hold_ttl,
            ttl_seconds=o.ttl_seconds,
            started_at=now,
            stop_by=now + o.ttl_seconds,
            endpoints=endpoints.as_dict(),
            worker="supervised" if services.worker_available() else "not available",
            catalog={"days": 0, "target_days": SEED_DAYS, "status": "loading"},
            log_dir=str(logs),
        )
        self._adopt("dynamodb", ddb.process, ddb.port, ddb.log_path)
        self._record("moto", moto, moto_port)

        # DynamoDB Local (fast-start JVM) is usually up before moto has imported: seed first, then the queues.
        self._wait("dynamodb", lambda: port_open(ddb.port), lambda: _ddb_failed(ddb))
        seed_env = provision.seed_env(endpoints.dynamodb, o.region)
        argv = provision.seed_argv(endpoints.dynamodb, o.table, o.region, SEED_DAYS_AT_START)
        seed = self._spawn("seed", argv, seed_env)
        self._wait("moto", lambda: port_open(moto_port), lambda: self._exited("moto"))
        self._lab.queues = provision.create_queues(endpoints.moto, o.region)
        self._progress(f"queues created: {', '.join(sorted(self._lab.queues))}")
        app_env = services.app_env(endpoints, self._lab.queues, table=o.table, hold_ttl=o.hold_ttl)
        self._env = services.child_env(app_env)
        self._spawn("api", services.api_argv(o.port), self._env, o.port)
        if services.worker_available():
            self._spawn("worker", services.worker_argv(), self._env)
        else:
            self._progress("worker: not available (api/workers/local.py is not there yet)")
        self._spawn("metrics", services.shipper_argv(endpoints.moto, o.region, logs), self._env)

        self._wait("seed", lambda: seed.poll() == 0, lambda: self._exited("seed"))
        result = provision.parse_seed_output(self._log("seed").read_text(errors="replace"))
        self._lab.catalog.update(days=SEED_DAYS_AT_START, movies=result.get("movies"), shows=result.get("shows"))
        self._lab.services.pop("seed", None)
        self._progress(f"catalog seeded: {result.get('movies')} movies, {result.get('shows')} shows")
        self._wait("api", lambda: _ready(self._lab), lambda: self._exited("api"))
        if "worker" in self._procs:
            self._wait("worker", self._worker_ready, lambda: self._exited("worker"))
        self._lab.status, self._lab.ready_at = "ready", self._clock()
        self._lab.startup_seconds = round(self._clock() - o.t0 if o.t0 else time.monotonic() - t0, 1)
        self._start_topup()
        state.save(self._lab)
        return self._lab

    def serve(self) -> None:
        """Watch the children once a second until a stop is requested or the TTL passes."""
        assert self._lab is not None
        while not self._stop.wait(1.0):
            if self._clock() >= self._lab.stop_by:
                self.request_stop("ttl")
                break
            self._check_children()

    def shutdown(self) -> StopReport:
        """Stop the app tier, then the data tier; verify no process and no port is left; forget the state."""
        t0 = time.monotonic()
        if self._lab is not None:
            self._lab.status = "stopping"
            state.save(self._lab)
        ports = [r.port for r in self._lab.services.values() if r.port] if self._lab else []
        survivors: list[str] = []
        for tier in (("api", "worker", "metrics", "seed"), ("dynamodb", "moto")):
            survivors += procs.stop_all([self._target(n) for n in tier if n in self._procs])
        report = StopReport(
            reason=self.reason or "error",
            seconds=round(time.monotonic() - t0, 1),
            stopped=sorted(self._procs),
            survivors=survivors,
            ports_open=procs.wait_ports_closed(ports),
        )
        self._progress(f"stopped ({report.reason}) in {report.seconds} s, left: {survivors} ports {report.ports_open}")
        if self._lab is not None:
            state.clear()
        return report

    # -- helpers ----------------------------------------------------------------------------------
    def _log(self, name: str) -> Path:
        return state.logs_dir() / f"{name}.log"

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], port: int | None = None) -> Popen:
        proc = procs.spawn(argv, self._log(name), env, REPO_ROOT)
        self._procs[name] = proc
        if self._lab is not None:
            self._record(name, proc, port)
        self._progress(f"{name}: started (pid {proc.pid})")
        return proc

    def _adopt(self, name: str, proc: Popen, port: int, log: Path) -> None:
        self._procs[name] = proc
        self._record(name, proc, port, log)
        self._progress(f"{name}: started (pid {proc.pid})")

    def _record(self, name: str, proc: Popen, port: int | None, log: Path | None = None) -> None:
        """Note the child in state.json at once: if the supervisor crashes, `down` can still find it."""
        assert self._lab is not None
        old = self._lab.services.get(name)
        url = f"http://127.0.0.1:{port}" if port else None
        restarts = old.restarts if old else 0
        log_file = str(log or self._log(name))
        started = procs.create_time(proc.pid)
        self._lab.services[name] = ServiceRecord(name, proc.pid, started, port, log_file, url, restarts)
        state.save(self._lab)

    def _target(self, name: str) -> procs.Target:
        proc = self._procs[name]
        rec = self._lab.services.get(name) if self._lab else None
        return procs.Target(name, proc.pid, rec.create_time if rec else procs.create_time(proc.pid), proc)

    def _wait(self, what: str, ready: Callable[[], bool], failed: Callable[[], LabError | None]) -> None:
        deadline = time.monotonic() + STAGE_TIMEOUT_S
        while not ready():
            if self._stop.is_set():
                raise Interrupted(what)
            err = failed()
            if err is not None:
                raise err
            if time.monotonic() > deadline:
                raise LabError(
                    "lab_start_timeout",
                    f"{what} was not ready within {STAGE_TIMEOUT_S:.0f} s.",
                    procs.log_tail(self._log(what)),
                )
            time.sleep(0.1)
        self._progress(f"{what}: ready")

    def _exited(self, name: str) -> LabError | None:
        code = self._procs[name].poll()
        if code is None or (name == "seed" and code == 0):
            return None
        message = f"{name} exited with code {code} during start."
        return LabError(f"{name}_failed", message, procs.log_tail(self._log(name)))

    def _worker_ready(self) -> bool:
        try:
            return '"worker_ready"' in self._log("worker").read_text(errors="replace")
        except OSError:
            return False

    def _start_topup(self) -> None:
        assert self._lab is not None
        if SEED_DAYS <= SEED_DAYS_AT_START:
            self._lab.catalog["status"] = "ready"
            return
        argv = provision.seed_argv(self._lab.endpoints["dynamodb"], self.opts.table, self.opts.region, SEED_DAYS)
        self._spawn("seed", argv, provision.seed_env(self._lab.endpoints["dynamodb"], self.opts.region))

    def _check_children(self) -> None:
        assert self._lab is not None
        for name, proc in list(self._procs.items()):
            code = proc.poll()
            if code is None or name not in self._lab.services:
                continue
            if name == "seed":
                ok = code == 0
                days = SEED_DAYS if ok else self._lab.catalog["days"]
                self._lab.catalog.update(days=days, status="ready" if ok else "partial")
                if ok:
                    with contextlib.suppress(LabError, OSError):
                        result = provision.parse_seed_output(self._log("seed").read_text(errors="replace"))
                        self._lab.catalog.update(movies=result.get("movies"), shows=result.get("shows"))
                del self._lab.services[name]
                self._progress(f"catalog: {SEED_DAYS} days loaded" if ok else f"seed top-up failed (exit {code})")
            elif name in RESTARTABLE and self._lab.services[name].restarts < RESTART_LIMIT:
                argv = services.api_argv(self.opts.port) if name == "api" else services.worker_argv()
                self._progress(f"{name}: exited with {code}; restarting")
                self._spawn(name, argv, self._env, self.opts.port if name == "api" else None)
                self._lab.services[name].restarts += 1
            else:
                self._progress(f"{name}: exited with {code}; not restarted")
                del self._lab.services[name]
            state.save(self._lab)


def _ready(lab: LabState | None) -> bool:
    from labctl.local.health import http_status

    return lab is not None and http_status(lab.api_url + "/readyz", timeout_s=1.0) == 200


def _ddb_failed(ddb: dynamodb_local.DynamoDBLocal) -> LabError | None:
    return dynamodb_local.failure(ddb) if ddb.process.poll() is not None else None


def already_running() -> LabError:
    """The error for a second `labctl up --local` while one runs."""
    return LabError(
        "lab_already_running",
        "A local lab is already running.",
        "See it with `labctl status --local`; stop it with `labctl down --local`.",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the detached supervisor (`labctl up --local --detach` starts it)."""
    p = argparse.ArgumentParser(prog="python -m labctl.local.supervisor")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ttl-seconds", type=int, required=True)
    p.add_argument("--hold-ttl", type=int, required=True)
    p.add_argument("--launch-id", required=True)
    p.add_argument("--t0", type=float, default=None, help="epoch seconds when `labctl up` started")
    a = p.parse_args(argv)

    def log(msg: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {msg}\n")
        sys.stderr.flush()

    sup = Supervisor(Options(a.port, a.ttl_seconds, a.hold_ttl, True, a.launch_id, t0=a.t0), progress=log)
    try:
        sup.run(on_ready=lambda lab: log(f"ready in {lab.startup_seconds} s: {lab.ui_url}"))
    except LabError as err:
        log(f"error {err.code}: {err.message}")
        state.write_error(a.launch_id, err)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
