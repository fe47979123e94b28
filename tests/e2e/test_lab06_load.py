"""Lab 06, as a scripted learner: the check fails on a fresh lab and passes after an unsafe and a safe
hot-seat run. The lab here is an API on the session's DynamoDB Local (as tests/e2e/test_load_spike.py
runs it), standing in for `labctl up --local`: the unsafe run leaves double bookings in its table,
which the session's shared lab must not carry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.commands.load import app
from labctl.load import stack, target
from tests.support.labs import fresh_home, load_check, not_done, verdict

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]
TABLE = "lab06-learner"


@pytest.fixture(scope="module")
def lab_api(dynamodb_local: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    stack.seed(dynamodb_local, TABLE, days=2)
    api = stack.start_api(stack.api_env(dynamodb_local, TABLE), tmp_path_factory.mktemp("api") / "api.log")
    try:
        yield api.url
    finally:
        api.stop()


def _spike(out: Path, *extra: str) -> str:
    args = ["spike", "--local", "--scenario", "hot-seat", "--users", "40", "--duration", "12s", "--out-dir", str(out)]
    result = CliRunner().invoke(app, [*args, *extra, "--json"])
    return result.stdout


def test_lab06_fails_fresh_and_passes_after_an_unsafe_and_a_safe_run(
    lab_api: str, dynamodb_local: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "06")
    monkeypatch.setattr(target, "local_lab", lambda: target.Target(lab_api, True, TABLE, dynamodb_local))
    lab = load_check("06-load")
    ok, checked = verdict(lab)
    assert (ok, [i.ok for i in checked]) == (False, [None, None])

    (work / "unsafe.json").write_text(_spike(tmp_path / "unsafe", "--unsafe-locks"))  # step 3
    (work / "safe.json").write_text(_spike(tmp_path / "safe"))  # step 4: fresh shows, the real lock
    twice = next(
        i for i in json.loads((work / "unsafe.json").read_text())["invariants"] if i["name"] == "no_seat_booked_twice"
    )
    ok, checked = verdict(lab)
    assert [i.name for i in checked if not i.ok] == ["answers written"]

    (work / "answers.json").write_text(json.dumps({"double_booked_seats": twice["violation_count"]}))
    ok, checked = verdict(lab)
    assert ok, not_done(checked)
    assert len(checked) == 6


def test_a_safe_run_saved_as_the_unsafe_one_does_not_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = load_check("06-load")
    clean = {"unsafe_locks": False, "invariants": [{"name": "no_seat_booked_twice", "ok": True, "violation_count": 0}]}
    assert lab.check_unsafe(clean).ok is False
    assert lab.check_unsafe({**clean, "unsafe_locks": True}).ok is False
