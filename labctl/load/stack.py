"""A throwaway booking stack for load runs: DynamoDB Local + seed + one uvicorn API process.

Used by `make bench`, the load e2e tests, and `--unsafe-locks` (a second API with the naive
seat lock, pointed at the lab's own table). The API is started by module name, never imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from labctl.local import procs, services
from labctl.local.ports import free_port
from labctl.output import LabError
from labctl.paths import REPO_ROOT


@dataclass
class Sidecar:
    """A process of the load stack (the API, the queue service, the worker), stopped with SIGTERM then SIGKILL."""

    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)


@dataclass
class ApiProcess(Sidecar):
    url: str
    log_path: Path


@dataclass(frozen=True)
class Stack:
    api: ApiProcess
    dynamodb_endpoint: str
    table: str
    dynamodb_pid: int


def api_env(endpoint: str, table: str, *, unsafe: bool = False, hold_ttl_s: int = 10) -> dict[str, str]:
    """The API's settings for a local run (dummy credentials: DynamoDB Local accepts any)."""
    return {
        "STORE": "dynamodb",
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "TABLE_NAME": table,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "HOLD_TTL_SECONDS": str(hold_ttl_s),
        "SEAT_LOCK_MODE": "unsafe" if unsafe else "transaction",
        "LOG_LEVEL": "WARNING",
    }


def start_api(env: dict[str, str], log_path: Path, *, workers: int = 1, timeout_s: float = 60.0) -> ApiProcess:
    """Start uvicorn (uvloop + httptools, no access log) on a free port; wait for /readyz."""
    port = free_port()
    proc = procs.spawn(services.api_argv(port, workers=workers), log_path, {**os.environ, **env}, REPO_ROOT)
    api = ApiProcess(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{api.url}/readyz", timeout=2).status_code == 200:
                return api
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    api.stop()
    tail = log_path.read_text(errors="replace")[-1500:]
    raise LabError("api_start_failed", "The load-test API did not become ready.", f"Its log ends with:\n{tail}")


@contextmanager
def running_api(env: dict[str, str], log_path: Path) -> Iterator[ApiProcess]:
    """start_api for the length of a with block (a second API beside a stack's own)."""
    api = start_api(env, log_path)
    try:
        yield api
    finally:
        api.stop()


def seed(endpoint: str, table: str, days: int) -> None:
    """Create the table and load the demo catalog with the API's own seed entry point."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1"}
    argv = [sys.executable, "-m", "api.seed", "--endpoint-url", endpoint, "--table", table, "--days", str(days)]
    done = subprocess.run([*argv, "--create-table"], env=env, cwd=REPO_ROOT, capture_output=True, timeout=180)
    if done.returncode != 0:
        raise LabError("seed_failed", "Seeding the load-test table failed.", done.stdout.decode()[-500:])


@contextmanager
def _queues_and_worker(
    workdir: Path, dynamodb: str, table: str, hold_ttl_s: int
) -> Iterator[tuple[dict[str, str], dict[str, int]]]:
    """The lab's queue service with the contract's queues, and the local worker consuming them, as in the
    local lab. Yields (API settings, {process name: pid})."""
    from labctl.local import provision
    from labctl.local.ports import wait_for_port

    port = free_port()
    sqs = Sidecar(procs.spawn(services.sqs_argv(port), workdir / "sqs.log", services.child_env({}), REPO_ROOT))
    worker: Sidecar | None = None
    try:
        if not wait_for_port(port, 30):
            raise LabError("sqs_start_failed", "The queue service did not start for the load stack.", str(workdir))
        endpoints = services.Endpoints(dynamodb=dynamodb, sqs=f"http://{services.HOST}:{port}")
        queues = provision.create_queues(endpoints.sqs)
        env = services.app_env(endpoints, queues, table=table, hold_ttl=hold_ttl_s)
        env = {k: v for k, v in env.items() if k != "WEB_DIR"} | {"LOG_LEVEL": "WARNING"}
        worker = Sidecar(
            procs.spawn(services.worker_argv(), workdir / "worker.log", services.child_env(env), REPO_ROOT)
        )
        yield env, {"sqs": sqs.pid, "worker": worker.pid}
    finally:
        if worker is not None:
            worker.stop()
        sqs.stop()


@contextmanager
def lab_api(
    st: Stack, workdir: Path, table: str, *, hold_ttl_s: int = 10
) -> Iterator[tuple[ApiProcess, dict[str, int]]]:
    """On a running stack's DynamoDB Local: the queue service, the local worker and a second API on `table`
    (seeded by the caller) that uses them, as the local lab runs. Yields (that API, {"sqs": pid, "worker": pid})."""
    with _queues_and_worker(workdir, st.dynamodb_endpoint, table, hold_ttl_s) as (env, pids):
        base = api_env(st.dynamodb_endpoint, table, hold_ttl_s=hold_ttl_s)
        api = start_api(base | env, workdir / "lab-api.log")
        try:
            yield api, pids
        finally:
            api.stop()


@contextmanager
def own_stack(
    workdir: Path,
    *,
    unsafe: bool = False,
    hold_ttl_s: int = 10,
    days: int = 7,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """DynamoDB Local + a seeded table + the API, all stopped on exit (lab_api adds SQS and the worker)."""
    from labctl.local import dynamodb_local

    ddb = dynamodb_local.start(workdir / "dynamodb-local.log", heap_mb=512)
    try:
        table = "load-bookings"
        seed(ddb.endpoint_url, table, days)
        env = api_env(ddb.endpoint_url, table, unsafe=unsafe, hold_ttl_s=hold_ttl_s) | (extra_env or {})
        api = start_api(env, workdir / "api.log", workers=workers)
        try:
            yield Stack(api, ddb.endpoint_url, table, ddb.process.pid)
        finally:
            api.stop()
    finally:
        ddb.stop()
