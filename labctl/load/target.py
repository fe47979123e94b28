"""Where a load run goes: validate the options, find the local lab, check the target answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from labctl.output import LabError

SCENARIOS = ("spike", "hot-seat", "steady")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Target:
    url: str
    local: bool
    table: str | None = None
    dynamodb_endpoint: str | None = None  # None: real AWS (boto3's default endpoint)
    region: str = "us-east-1"
    api_log: Path | None = None  # the API's JSON log (the local lab's): the checker quotes its lines


def validate(scenario: str, users: int) -> None:
    """Options that make no sense fail before anything starts."""
    if scenario not in SCENARIOS:
        raise LabError("invalid_scenario", f"Unknown scenario {scenario!r}.", f"Pick one of: {', '.join(SCENARIOS)}.")
    if users < 1:
        raise LabError("invalid_users", f"--users must be at least 1 (got {users}).", "Try --users 300.")
    if users > 5000:
        raise LabError("invalid_users", f"--users {users} is more than one machine can simulate.", "Stay <= 5000.")


MAX_WORKERS = 64


def validate_workers(workers: int, remote: int) -> None:
    """Worker counts that make sense: 0..64 here, 0..64 elsewhere."""
    for flag, n in (("--workers", workers), ("--remote-workers", remote)):
        if not 0 <= n <= MAX_WORKERS:
            raise LabError(
                "invalid_workers",
                f"{flag} {n} is outside 0..{MAX_WORKERS}.",
                "One worker process per core is usual: --workers 2 on this machine.",
            )


def local_lab() -> Target:
    """The running local lab (`labctl up --local`), from its state file ($LABCTL_HOME/local/state.json)."""
    from labctl.local.running import require_running

    current = require_running(otherwise="pass --target URL")
    return Target(
        url=current.api_url.rstrip("/"),
        local=True,
        table=current.table_name,
        dynamodb_endpoint=current.endpoints.get("dynamodb"),
        region=current.region,
        api_log=Path(current.log_dir) / "api.log" if current.log_dir else None,
    )


def resolve(
    target_url: str | None,
    local: bool,
    *,
    unsafe_locks: bool,
    table: str | None,
    dynamodb_endpoint: str | None,
    region: str,
) -> Target:
    """--target URL or --local (exactly one); --unsafe-locks only for the local lab."""
    if bool(target_url) == local:
        raise LabError("target_required", "Pass exactly one of --target URL or --local.", "e.g. --local")
    if target_url:
        if unsafe_locks:
            raise LabError(
                "unsafe_locks_local_only",
                "--unsafe-locks only works on the local lab; it is refused for remote (AWS) targets.",
                "Run `labctl up --local`, then `labctl load spike --local --scenario hot-seat --unsafe-locks`.",
            )
        parsed = urlparse(target_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise LabError(
                "invalid_target", f"--target {target_url!r} is not an http(s) URL.", "e.g. https://api.example.com"
            )
        is_local = parsed.hostname in LOCAL_HOSTS
        return Target(target_url.rstrip("/"), is_local, table, dynamodb_endpoint, region)
    lab = local_lab()
    return Target(lab.url, True, table or lab.table, dynamodb_endpoint or lab.dynamodb_endpoint, region, lab.api_log)


def ensure_reachable(url: str, timeout_s: float = 5.0) -> None:
    """GET /healthz answers 200, or target_unreachable."""
    import httpx

    try:
        status = httpx.get(f"{url}/healthz", timeout=timeout_s).status_code
    except httpx.HTTPError as err:
        raise LabError(
            "target_unreachable",
            f"{url} did not answer ({type(err).__name__}).",
            "Is the API running? `labctl status --local`, or check the URL.",
        ) from None
    if status != 200:
        raise LabError("target_unhealthy", f"{url}/healthz answered {status}.", "Check the API's logs.")
