"""Where a running local lab records itself, so that status, down, seed and the labs can find it.

Location: `$LABCTL_HOME/local/` (default `~/.labctl/local/`): `state.json` (pids, ports, endpoints,
queue URLs, table, start and stop-by times), `lab.lock` (held by the supervisor while it lives),
`last-error.json` (why the last detached start failed) and `logs/` (one log file per service).
Only the supervisor writes state.json; everyone else reads it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labctl.output import EXIT_ERROR, LabError

SCHEMA_VERSION = 1


class StateCorruptError(ValueError):
    """state.json exists but cannot be read as a lab state (a crash mid-write, or a hand edit)."""


def labctl_home() -> Path:
    """$LABCTL_HOME, or ~/.labctl (tests point LABCTL_HOME at a temporary folder)."""
    env = os.environ.get("LABCTL_HOME")
    return Path(env).expanduser() if env else Path.home() / ".labctl"


def local_dir() -> Path:
    """The folder of the local lab's files."""
    return labctl_home() / "local"


def state_path() -> Path:
    return local_dir() / "state.json"


def lock_path() -> Path:
    return local_dir() / "lab.lock"


def error_path() -> Path:
    return local_dir() / "last-error.json"


def logs_dir() -> Path:
    return local_dir() / "logs"


@dataclass
class ServiceRecord:
    """One supervised process: its identity (pid + create time, so a reused pid is never mistaken for it)."""

    name: str
    pid: int
    create_time: float
    port: int | None
    log: str
    url: str | None = None
    restarts: int = 0


@dataclass
class LabState:
    """What the running lab looks like; times are Unix epoch seconds."""

    launch_id: str
    status: str  # starting | ready | stopping
    supervisor_pid: int
    supervisor_create_time: float
    detached: bool
    port: int
    api_url: str
    region: str
    table_name: str
    hold_ttl_seconds: int
    ttl_seconds: int
    started_at: float
    stop_by: float
    # endpoints come first: readers that search the state for a service URL find them before services
    endpoints: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    worker: str = "not available"  # supervised | not available (api/workers/local.py absent)
    catalog: dict[str, Any] = field(default_factory=dict)
    ready_at: float | None = None
    startup_seconds: float | None = None
    log_dir: str = ""
    # the front door (the lab's ALB) and the supervisor's control API, both on loopback
    frontdoor_admin_url: str = ""
    control_url: str = ""
    revision: int = 1  # of the API blue serves: each promoted rollout adds one
    rollout: dict[str, Any] | None = None  # the last rollout's summary (id, phase, result, reason, times)
    schema: int = SCHEMA_VERSION

    @property
    def ui_url(self) -> str:
        return self.api_url + "/"

    @property
    def docs_url(self) -> str:
        return self.api_url + "/api/docs"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabState:
        """Parse a dict written by to_dict; StateCorruptError if it does not fit."""
        try:
            services = {k: ServiceRecord(**v) for k, v in dict(data.get("services", {})).items()}
            return cls(**{**data, "services": services})
        except (TypeError, AttributeError) as err:
            raise StateCorruptError(f"{state_path()}: {err}") from err


def save(state: LabState) -> None:
    """Write state.json atomically (a reader never sees half a file)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(state.to_dict(), indent=2) + "\n")
    os.replace(tmp, path)


def load() -> LabState | None:
    """The recorded lab, or None when there is no state file (it may be stale: check supervisor_pid)."""
    path = state_path()
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise StateCorruptError(f"{path}: {err}") from err
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise StateCorruptError(f"{path}: not a labctl local-lab state (schema {SCHEMA_VERSION})")
    return LabState.from_dict(data)


def clear() -> None:
    """Forget the lab (its processes must be gone already)."""
    state_path().unlink(missing_ok=True)


def write_error(launch_id: str, err: LabError) -> None:
    """Record why a detached start failed, for the `labctl up --detach` that is waiting for it."""
    path = error_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"launch_id": launch_id, **err.as_dict()["error"]}) + "\n")


def read_error(launch_id: str) -> LabError | None:
    """The error a detached start with this launch id recorded, if any."""
    try:
        data = json.loads(error_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("launch_id") != launch_id:
        return None
    return LabError(str(data.get("code")), str(data.get("message")), str(data.get("hint", "")), EXIT_ERROR)


class LabLock:
    """An exclusive flock on lab.lock, held by the supervisor for its whole life (released if it dies)."""

    def __init__(self) -> None:
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another supervisor holds it."""
        import fcntl

        path = lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held_elsewhere(self) -> bool:
        """True when some other process holds the lock right now."""
        if not self.acquire():
            return True
        self.release()
        return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
