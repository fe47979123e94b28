"""Lab 06 check: safe seat locks survive hot-seat contention, the naive lock double-books, the checker sees it.

Run: python labs/06-load/check.py [--run-dir .labctl/load/run-...]   (about 1-2 min on 2 cores)
Starts its own DynamoDB Local + API on free ports (127.0.0.1 only) and stops them at the end.
With --run-dir it also re-checks the load log of your own last safe run against the local lab.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labctl.labs import checklist
from labctl.load import runner, service, stack
from loadtests.invariants import check_run


@dataclass
class Result:
    name: str
    ok: bool
    detail: str


def _hot_seat(st: stack.Stack, api: stack.ApiProcess, table: str, out: Path) -> dict[str, int]:
    """A 20 s hot-seat run; returns violation counts per failed invariant (+ hold attempts)."""
    summary = runner.run(runner.RunSpec(api.url, "hot-seat", 40, 20.0, out))
    results = check_run(table, endpoint_url=st.dynamodb_endpoint, region="us-east-1", log_path=out / "load-log.jsonl")
    holds: dict[str, int] = next((e for e in summary["endpoints"] if e["name"] == "POST /api/shows/{id}/holds"), {})
    counts = {r.name: len(r.violations) for r in results if not r.ok}
    counts["_attempts"] = int(holds.get("requests", 0))
    return counts


def check_locks(workdir: Path) -> list[Result]:
    """Transactional locks: zero violations. Naive read-then-write: at least one double booking."""
    with stack.own_stack(workdir / "stack", days=2) as st:
        safe = _hot_seat(st, st.api, st.table, workdir / "safe")
        stack.seed(st.dynamodb_endpoint, "lab06-unsafe", days=1)
        env = stack.api_env(st.dynamodb_endpoint, "lab06-unsafe", unsafe=True)
        unsafe_api = stack.start_api(env, workdir / "unsafe-api.log")
        try:
            unsafe = _hot_seat(st, unsafe_api, "lab06-unsafe", workdir / "unsafe")
        finally:
            unsafe_api.stop()
    safe_bad = {k: v for k, v in safe.items() if not k.startswith("_")}
    return [
        Result(
            "transactional locks hold under hot-seat",
            not safe_bad and safe["_attempts"] > 0,
            f"{safe['_attempts']} hold attempts, violations: {safe_bad or 'none'}",
        ),
        Result(
            "the naive lock double-books and the checker catches it",
            unsafe.get("no_seat_booked_twice", 0) > 0,
            f"{unsafe['_attempts']} hold attempts, double-booked seats: {unsafe.get('no_seat_booked_twice', 0)}",
        ),
    ]


def check_your_run(run_dir: Path) -> Result:
    """Your own safe rerun on the local lab: its load log checks clean."""
    report = service.check(True, None, None, "us-east-1", run_dir / "load-log.jsonl")
    bad = [i["name"] for i in report.invariants if not i["ok"]]
    return Result(f"your run {run_dir.name} is clean", not bad, f"failed: {bad}" if bad else "all invariants pass")


def check(run_dir: Path | None = None) -> list[Result]:
    """The two lock runs on a throwaway stack, then (with run_dir) your own run's load log."""
    with tempfile.TemporaryDirectory(prefix="lab06-") as tmp:
        results = check_locks(Path(tmp))
    return [*results, check_your_run(run_dir)] if run_dir else results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-dir", type=Path, help="out dir of your safe `labctl load spike --local` run")
    sys.exit(checklist.main(check, parser=parser))
