"""Launch the local SQS worker (`python -m api.workers.local`) as a child process.

labctl never imports the api package: it starts the worker by module name, with the lab's endpoints
and queue URLs in the environment, as the Lambda runtime would get them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from labctl.paths import REPO_ROOT

MODULE = "api.workers.local"


@dataclass(frozen=True)
class WorkerOptions:
    visibility_timeout: int | None = None
    wait_seconds: int | None = None
    pollers: int | None = None
    sweep_interval: float | None = None
    sweep_older_than: float | None = None
    sweep: bool = True
    batching_window: float | None = None


def worker_command(opts: WorkerOptions | None = None, *, python: str = sys.executable) -> list[str]:
    """The argv that starts the worker with opts."""
    o = opts or WorkerOptions()
    argv = [python, "-m", MODULE]
    flags: list[tuple[str, Any]] = [
        ("--visibility-timeout", o.visibility_timeout),
        ("--wait-seconds", o.wait_seconds),
        ("--pollers", o.pollers),
        ("--sweep-interval", o.sweep_interval),
        ("--sweep-older-than", o.sweep_older_than),
        ("--batching-window", o.batching_window),
    ]
    for flag, value in flags:
        if value is not None:
            argv += [flag, str(value)]
    if not o.sweep:
        argv.append("--no-sweep")
    return argv


def worker_env(lab_env: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: base (default os.environ) + the lab's settings, repo root on PYTHONPATH."""
    env = dict(os.environ if base is None else base)
    env.update(lab_env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def launch(
    lab_env: Mapping[str, str],
    opts: WorkerOptions | None = None,
    *,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
) -> subprocess.Popen[bytes]:
    """Start a worker process (not waited for); stop it with stop()."""
    return subprocess.Popen(worker_command(opts), cwd=REPO_ROOT, env=worker_env(lab_env), stdout=stdout, stderr=stderr)


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> int:
    """SIGTERM (the worker finishes its batch and exits 0); SIGKILL if it does not stop in time."""
    from labctl.local.procs import stop_child

    return stop_child(proc, timeout_s)


def run_foreground(lab_env: Mapping[str, str], opts: WorkerOptions | None = None) -> int:
    """Run the worker attached to this terminal until it exits; Ctrl-C stops it cleanly."""
    proc = launch(lab_env, opts)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the whole process group; the worker is finishing its batch.
        return stop(proc)


def lab_env_from_state() -> dict[str, str]:
    """The running local lab's settings for a worker (endpoints, table, queue URLs), from its state file."""
    from labctl.local.running import incomplete, require_running

    lab = require_running()
    missing = [k for k in ("hold_expiry", "booking_events") if k not in lab.queues]
    if missing or "sqs" not in lab.endpoints or "dynamodb" not in lab.endpoints:
        raise incomplete(f"queue URLs or endpoints ({', '.join(missing) or 'endpoints'})")
    return {
        "STORE": "dynamodb",
        "AWS_REGION": lab.region,
        "AWS_DEFAULT_REGION": lab.region,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "DYNAMODB_ENDPOINT_URL": lab.endpoints["dynamodb"],
        "SQS_ENDPOINT_URL": lab.endpoints["sqs"],
        "TABLE_NAME": lab.table_name,
        "HOLD_TTL_SECONDS": str(lab.hold_ttl_seconds),
        "HOLD_EXPIRY_QUEUE_URL": lab.queues["hold_expiry"],
        "BOOKING_EVENTS_QUEUE_URL": lab.queues["booking_events"],
    }
