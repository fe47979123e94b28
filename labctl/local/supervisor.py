"""The supervisor: starts the lab, keeps it running, stops it cleanly.

It starts DynamoDB Local, the queue service (SQS), moto (S3, CloudWatch, Logs), the API behind the front
door (the lab's ALB, on the lab's port), the worker and the metrics shipper, each in its own process group;
creates the queues and the table and seeds the catalog; waits until everything is healthy; then watches
them (restarting the front door, the API, the worker or the queue service if one dies; the queues are
created again, their messages are gone) and runs blue/green rollouts on request (its control API,
labctl/local/deploy) until Ctrl-C, `labctl down --local` (SIGTERM) or the TTL. Stopping is SIGTERM per
group, SIGKILL after a grace period, then a check that every port is free. Foreground: `labctl up
--local`. Detached: `python -m labctl.local.detached`.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from labctl.local import dynamodb_local, procs, provision, services, state
from labctl.local.children import Children, Interrupted, Progress
from labctl.local.deploy.fleet import GREEN, RETIRING, frontdoor_spec
from labctl.local.deploy.wiring import LabDeployments
from labctl.local.ports import free_port, port_open
from labctl.local.services import Endpoints
from labctl.local.state import LabState
from labctl.local.watch import SEED_DAYS, RestartSpec, Watcher
from labctl.output import LabError

SEED_DAYS_AT_START = 2  # today and tomorrow: enough to book within seconds of the start
QUEUE_RESTART_WAIT_S = 15.0


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
        self.kids = Children(self._progress, self._stop)
        self._env: dict[str, str] = {}
        self.watcher = Watcher(self.kids, {}, self._progress)
        self._lock = threading.RLock()  # the watcher and a rollout's thread both change children and state
        self.deployments: LabDeployments | None = None

    @property
    def _lab(self) -> LabState:
        assert self.kids.lab is not None
        return self.kids.lab

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
        o, t0, kids = self.opts, time.monotonic(), self.kids
        procs.ensure_port_free(o.port)
        dynamodb_local.java_path(), dynamodb_local.find_jar()  # fail before anything is started
        logs = state.logs_dir()
        logs.mkdir(parents=True, exist_ok=True)
        for old in logs.glob("*.log"):
            old.unlink()
        moto_port, sqs_port = free_port(), free_port()
        moto = kids.spawn("moto", services.moto_argv(moto_port), services.child_env({}))
        sqs = kids.spawn("sqs", services.sqs_argv(sqs_port, o.region), services.child_env({}))
        ddb = dynamodb_local.launch(logs / "dynamodb.log")
        endpoints = Endpoints(
            ddb.endpoint_url, sqs=f"http://127.0.0.1:{sqs_port}", moto=f"http://127.0.0.1:{moto_port}"
        )
        kids.lab = self._new_state(endpoints, str(logs))
        kids.adopt("dynamodb", ddb.process, ddb.port, ddb.log_path)
        kids.record("moto", moto, moto_port)
        kids.record("sqs", sqs, sqs_port)

        # DynamoDB Local (fast-start JVM) is usually up before the rest has imported: seed first.
        kids.wait("dynamodb", lambda: port_open(ddb.port), lambda: _ddb_failed(ddb))
        seed_env = provision.seed_env(endpoints.dynamodb, o.region)
        seed = kids.spawn(
            "seed", provision.seed_argv(endpoints.dynamodb, o.table, o.region, SEED_DAYS_AT_START), seed_env
        )
        kids.wait("sqs", lambda: port_open(sqs_port), lambda: kids.exited("sqs"))
        self._lab.queues = provision.create_queues(endpoints.sqs, o.region)
        self._progress(f"queues created: {', '.join(sorted(self._lab.queues))}")
        self._env = services.child_env(
            services.app_env(endpoints, self._lab.queues, table=o.table, hold_ttl=o.hold_ttl)
        )
        api_port, admin_port = free_port(), free_port()
        blue_url = f"http://{services.HOST}:{api_port}"
        kids.spawn("api", services.api_argv(api_port), self._env, api_port)
        kids.spawn("frontdoor", services.frontdoor_argv(o.port, admin_port, blue_url), services.child_env({}), o.port)
        self._lab.frontdoor_admin_url = f"http://{services.HOST}:{admin_port}"
        if services.worker_available():
            kids.spawn("worker", services.worker_argv(), self._env)
        else:
            self._progress("worker: not available (api/workers/local.py is not there yet)")
        kids.spawn("metrics", services.shipper_argv(endpoints.moto, o.region, logs), self._env)

        kids.wait("seed", lambda: seed.poll() == 0, lambda: kids.exited("seed"))
        result = provision.parse_seed_output(kids.log_text("seed"))
        self._lab.catalog.update(days=SEED_DAYS_AT_START, movies=result.get("movies"), shows=result.get("shows"))
        self._lab.services.pop("seed", None)
        self._progress(f"catalog seeded: {result.get('movies')} movies, {result.get('shows')} shows")
        kids.wait("api", lambda: _ready(blue_url), lambda: kids.exited("api"))
        # through the door: blue passed its first health check there
        kids.wait("frontdoor", lambda: _ready(self._lab.api_url), lambda: kids.exited("frontdoor"))
        if "worker" in kids.procs:
            kids.wait("worker", lambda: '"worker_ready"' in kids.log_text("worker"), lambda: kids.exited("worker"))
        kids.wait("moto", lambda: port_open(moto_port), lambda: kids.exited("moto"))
        self._lab.status, self._lab.ready_at = "ready", self._clock()
        self._lab.startup_seconds = round(self._clock() - o.t0 if o.t0 else time.monotonic() - t0, 1)
        self.watcher = Watcher(kids, self._restart_specs(endpoints, api_port, admin_port), self._progress)
        self.watcher.start_topup(self._lab.endpoints["dynamodb"], self.opts.table, self.opts.region)
        self.deployments = LabDeployments(
            kids, self.watcher.restarts, self._env, self._lock, self._stop, self._progress, _latency_floor_ms()
        )
        state.save(self._lab)
        return self._lab

    def _new_state(self, endpoints: Endpoints, log_dir: str) -> LabState:
        o, now = self.opts, self._clock()
        return LabState(
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
            log_dir=log_dir,
        )

    def _restart_specs(self, endpoints: Endpoints, api_port: int, admin_port: int) -> dict[str, RestartSpec]:
        """How each restartable service starts again; the queue service also gets its queues back."""
        o = self.opts

        def queues() -> None:
            provision.create_queues(endpoints.sqs, o.region, wait_s=QUEUE_RESTART_WAIT_S)

        sqs_port = self._lab.services["sqs"].port or 0
        return {
            "frontdoor": frontdoor_spec(o.port, admin_port, f"http://{services.HOST}:{api_port}"),
            "api": RestartSpec(services.api_argv(api_port), self._env, api_port),
            "worker": RestartSpec(services.worker_argv(), self._env),
            "sqs": RestartSpec(services.sqs_argv(sqs_port, o.region), services.child_env({}), sqs_port, queues),
        }

    def serve(self) -> None:
        """Watch the children once a second until a stop is requested or the TTL passes."""
        while not self._stop.wait(1.0):
            if self._clock() >= self._lab.stop_by:
                self.request_stop("ttl")
                break
            with self._lock:
                self.watcher.check()

    def shutdown(self) -> StopReport:
        """Stop the app tier, then the data tier; verify no process and no port is left; forget the state."""
        t0, lab = time.monotonic(), self.kids.lab
        if lab is not None:
            lab.status = "stopping"
            state.save(lab)
        if self.deployments is not None:
            self.deployments.close()  # a rollout in progress ends here; its processes stop with the rest
        ports = [r.port for r in lab.services.values() if r.port] if lab else []
        survivors = self.kids.stop(("frontdoor", "api", GREEN, RETIRING, "worker", "metrics", "seed"))
        survivors += self.kids.stop(("dynamodb", "sqs", "moto"))
        report = StopReport(
            reason=self.reason or "error",
            seconds=round(time.monotonic() - t0, 1),
            stopped=sorted(self.kids.procs),
            survivors=survivors,
            ports_open=procs.wait_ports_closed(ports),
        )
        self._progress(f"stopped ({report.reason}) in {report.seconds} s, left: {survivors} ports {report.ports_open}")
        if lab is not None:
            state.clear()
        return report


def _ready(url: str) -> bool:
    from labctl.local.health import http_status

    return http_status(url + "/readyz", timeout_s=1.0) == 200


def _latency_floor_ms() -> float:
    """The SLO's latency threshold (contracts/slo.yaml): a rollout's p95 limit never goes below it."""
    from labctl.slo.spec import load_spec

    return float(load_spec().latency_threshold_ms)


def _ddb_failed(ddb: dynamodb_local.DynamoDBLocal) -> LabError | None:
    return dynamodb_local.failure(ddb) if ddb.process.poll() is not None else None


def already_running() -> LabError:
    """The error for a second `labctl up --local` while one runs."""
    return LabError(
        "lab_already_running",
        "A local lab is already running.",
        "See it with `labctl status --local`; stop it with `labctl down --local`.",
    )
