"""`labctl load spike` and `labctl load check`: resolve the target, run Locust, check the invariants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labctl.durations import LOAD_RUN, parse_duration
from labctl.load import runner, target
from labctl.output import EXIT_FAILURE, EXIT_OK, JsonDoc, LabError

if TYPE_CHECKING:
    from labctl.load.stack import ApiProcess

UNSAFE_HOLD_TTL_S = 30  # short, so abandoned holds free up during a demo run


@dataclass(frozen=True)
class SpikeOptions:
    target_url: str | None
    local: bool
    scenario: str = "spike"
    users: int = 300
    duration: str = "2m"
    html: Path | None = None
    csv_prefix: str | None = None
    unsafe_locks: bool = False
    table: str | None = None
    dynamodb_endpoint: str | None = None
    region: str = "us-east-1"
    out_dir: Path | None = None
    check: bool = True
    workers: int = 0  # Locust worker processes here (0: one Locust process)
    remote_workers: int = 0  # more workers the master waits for, started elsewhere with `labctl load worker`
    master_bind: str = "127.0.0.1"
    master_port: int = runner.MASTER_PORT


@dataclass(frozen=True)
class LoadReport:
    """A load run's (or a lone invariant check's) document; exit 1 when an invariant failed."""

    doc: dict[str, Any]

    @property
    def invariants(self) -> list[dict[str, Any]]:
        return list(self.doc["invariants"])

    @property
    def exit_code(self) -> int:
        return EXIT_OK if all(i["ok"] for i in self.invariants) else EXIT_FAILURE

    def to_json(self) -> JsonDoc:
        return self.doc


def default_out_dir() -> Path:
    return Path(".labctl") / "load" / datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ")


def run_checker(t: target.Target, log_path: Path | None, api_log: Path | None = None) -> list[dict[str, Any]]:
    """Run the invariant checker against t's table; clear errors when it cannot read it.

    api_log: the API's log file (default: t's), so each refusal the checker doubts comes with the API's line."""
    from botocore.exceptions import BotoCoreError, ClientError

    from loadtests.invariants import check_run

    if not t.table:
        raise LabError(
            "table_required",
            "The invariant checker needs the lab's DynamoDB table name.",
            "Pass --table NAME (and --dynamodb-endpoint URL for DynamoDB Local), or --no-check.",
        )
    try:
        results = check_run(
            t.table, endpoint_url=t.dynamodb_endpoint, region=t.region, log_path=log_path, api_log=api_log or t.api_log
        )
    except (BotoCoreError, ClientError) as err:
        raise LabError(
            "checker_failed", f"Could not read table {t.table}: {err}", "Check --table / --dynamodb-endpoint."
        ) from None
    return [r.as_dict() for r in results]


def spike(opts: SpikeOptions, on_tick: Callable[[dict[str, Any]], None] | None = None) -> LoadReport:
    """Run one scenario and check the invariants; return the report document."""
    from labctl.load import report

    target.validate(opts.scenario, opts.users)
    target.validate_workers(opts.workers, opts.remote_workers)
    duration_s = parse_duration(opts.duration, LOAD_RUN).total_seconds()
    t = target.resolve(
        opts.target_url,
        opts.local,
        unsafe_locks=opts.unsafe_locks,
        table=opts.table,
        dynamodb_endpoint=opts.dynamodb_endpoint,
        region=opts.region,
    )
    if opts.check and not t.table:
        run_checker(t, None)  # raises table_required before minutes of load are spent
    target.ensure_reachable(t.url)
    out_dir = opts.out_dir or default_out_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    unsafe_api = _start_unsafe_api(t, out_dir) if opts.unsafe_locks else None
    url = unsafe_api.url if unsafe_api else t.url
    try:
        spec = runner.RunSpec(
            url,
            opts.scenario,
            opts.users,
            duration_s,
            out_dir,
            "",
            opts.html,
            opts.csv_prefix,
            workers=opts.workers,
            remote_workers=opts.remote_workers,
            master_bind=opts.master_bind,
            master_port=opts.master_port,
        )
        summary = runner.run(spec, on_tick)
    finally:
        if unsafe_api is not None:
            unsafe_api.stop()
    summary["out_dir"] = str(out_dir)
    api_log = unsafe_api.log_path if unsafe_api else None
    invariants = run_checker(t, out_dir / "load-log.jsonl", api_log) if opts.check else []
    doc = report.build(summary, url, invariants)
    doc["locust_cpu"] = summary.get("locust_cpu", {})
    doc["unsafe_locks"] = opts.unsafe_locks
    return LoadReport(doc)


def _start_unsafe_api(t: target.Target, out_dir: Path) -> ApiProcess:
    """A second API on the lab's own table with the naive read-then-write lock (SEAT_LOCK_MODE=unsafe)."""
    from labctl.load import stack

    if not t.table or not t.dynamodb_endpoint:
        raise LabError(
            "unsafe_locks_unavailable",
            "The local lab's state does not name its DynamoDB Local endpoint and table.",
            "Restart the lab with `labctl up --local` and retry.",
        )
    env = stack.api_env(t.dynamodb_endpoint, t.table, unsafe=True, hold_ttl_s=UNSAFE_HOLD_TTL_S)
    return stack.start_api(env, out_dir / "unsafe-api.log")


def check(local: bool, table: str | None, dynamodb_endpoint: str | None, region: str, log: Path | None) -> LoadReport:
    """Only the invariant checker (over the whole table, or the shows a load log touched)."""
    if log is not None and not log.exists():
        raise LabError(
            "load_log_missing", f"No load log at {log}.", "Pass the load-log.jsonl of a `labctl load spike` run."
        )
    if local:
        lab = target.local_lab()
        t = target.Target(
            lab.url, True, table or lab.table, dynamodb_endpoint or lab.dynamodb_endpoint, region, lab.api_log
        )
    else:
        t = target.Target("", False, table, dynamodb_endpoint, region)
    invariants = run_checker(t, log)
    ok = all(i["ok"] for i in invariants)
    return LoadReport({"table": t.table, "log": str(log) if log else None, "invariants": invariants, "ok": ok})
