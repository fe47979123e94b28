"""Bounded load runs through `labctl load spike` against a real API on DynamoDB Local.

Safe locks: a 20 s spike ends with zero 5xx and zero invariant violations.
Unsafe locks (--local --unsafe-locks): the hot-seat scenario really double-books and the checker says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labctl.commands.load import app
from labctl.load import stack, target

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
runner = CliRunner()


@pytest.fixture(scope="module")
def safe_api(dynamodb_local: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    stack.seed(dynamodb_local, "load-safe", days=2)
    api = stack.start_api(stack.api_env(dynamodb_local, "load-safe"), tmp_path_factory.mktemp("api") / "api.log")
    try:
        yield api.url, "load-safe"
    finally:
        api.stop()


def _spike(args: list[str]) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["spike", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def _endpoint(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in doc["endpoints"] if e["name"] == name)


def test_a_bounded_spike_has_no_5xx_and_no_invariant_violations(
    safe_api: tuple[str, str], dynamodb_local: str, tmp_path: Path
) -> None:
    url, table = safe_api
    code, doc = _spike(
        [
            "--target",
            url,
            "--table",
            table,
            "--dynamodb-endpoint",
            dynamodb_local,
            "--scenario",
            "spike",
            "--users",
            "30",
            "--duration",
            "20s",
            "--out-dir",
            str(tmp_path),
            "--html",
            str(tmp_path / "r.html"),
        ]
    )
    assert code == 0, doc
    assert doc["slo"]["failures"] == 0
    assert doc["slo"]["availability_ok"]
    holds = _endpoint(doc, "POST /api/shows/{id}/holds")
    assert holds["status_counts"].get("201", 0) > 0
    assert set(holds["phases"]) >= {"baseline", "peak"}
    assert _endpoint(doc, "POST /api/bookings")["status_counts"].get("201", 0) > 0
    assert [i["name"] for i in doc["invariants"] if not i["ok"]] == []
    assert all(i["checked"] > 0 for i in doc["invariants"] if i["name"] != "no_refusal_by_expired_hold")
    assert (tmp_path / "r.html").stat().st_size > 10_000  # Locust's own report
    room = doc["waiting_room"]  # this API runs without the waiting room: every hold went straight in
    assert (room["enabled"], room["queued"], room["rejected"]) == (False, 0, 0)
    assert room["admitted"] == holds["requests"]
    assert doc["goodput_holds_per_s"] == round(holds["status_counts"]["201"] / doc["duration_s"], 2)


def test_unsafe_locks_double_book_under_hot_seat_and_the_checker_catches_it(
    safe_api: tuple[str, str], dynamodb_local: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.seed(dynamodb_local, "load-unsafe", days=1)
    # The local lab's state, as `labctl up --local` would record it: its API and its table.
    lab = target.Target(safe_api[0], True, "load-unsafe", dynamodb_local)
    monkeypatch.setattr(target, "local_lab", lambda: lab)
    code, doc = _spike(
        [
            "--local",
            "--unsafe-locks",
            "--scenario",
            "hot-seat",
            "--users",
            "40",
            "--duration",
            "20s",
            "--out-dir",
            str(tmp_path),
        ]
    )
    assert code == 1, doc
    assert doc["unsafe_locks"] is True
    assert doc["target"] != safe_api[0]  # the run went to the unsafe API, not the lab's own
    failed = {i["name"]: i for i in doc["invariants"] if not i["ok"]}
    assert "no_seat_booked_twice" in failed, doc["invariants"]
    assert failed["no_seat_booked_twice"]["violation_count"] >= 1
    assert "counts_reconcile" in failed
    # `labctl load check` alone, on the same table and load log, reaches the same verdict.
    log = str(tmp_path / "load-log.jsonl")
    again = runner.invoke(
        app, ["check", "--table", "load-unsafe", "--dynamodb-endpoint", dynamodb_local, "--log", log, "--json"]
    )
    assert again.exit_code == 1
    rechecked = {i["name"]: i["violation_count"] for i in json.loads(again.stdout)["invariants"]}
    assert rechecked["no_seat_booked_twice"] == failed["no_seat_booked_twice"]["violation_count"]


def test_a_distributed_spike_with_two_workers_merges_their_numbers(
    safe_api: tuple[str, str], dynamodb_local: str, tmp_path: Path
) -> None:
    url, table = safe_api
    args = ["--target", url, "--table", table, "--dynamodb-endpoint", dynamodb_local, "--workers", "2"]
    code, doc = _spike([*args, "--users", "20", "--duration", "20s", "--out-dir", str(tmp_path)])
    assert code == 0, doc
    assert set(doc["locust_cpu"]) == {"master", "worker-1", "worker-2"}
    assert all(0 <= c["mean"] <= c["max"] for c in doc["locust_cpu"].values())
    holds = _endpoint(doc, "POST /api/shows/{id}/holds")
    assert holds["status_counts"].get("201", 0) > 0
    assert set(holds["phases"]) >= {"baseline", "peak"}  # the workers followed the master's plan
    assert doc["slo"]["failures"] == 0
    assert [i["name"] for i in doc["invariants"] if not i["ok"]] == []
    logged = (tmp_path / "load-log.jsonl").read_text().count('"ev":"hold"')
    assert logged == sum(holds["status_counts"].values())  # every worker's hold attempts reached the log
