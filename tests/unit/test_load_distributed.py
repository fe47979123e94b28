"""Locust's distributed mode: the command lines, the options' limits, the merge of the workers' numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from labctl.load import distributed, report, runner, target
from labctl.output import LabError
from loadtests.recorder import Recorder


def test_with_workers_the_master_waits_for_local_and_remote_ones() -> None:
    spec = runner.RunSpec("http://127.0.0.1:1", "spike", 300, 60.0, Path("/tmp/x"), workers=2, remote_workers=3)
    argv = runner.locust_argv(spec)
    assert argv[argv.index("--expect-workers") + 1] == "5"
    assert "--master" in argv
    assert argv[argv.index("--master-bind-host") + 1] == "127.0.0.1"
    assert argv[-1] == "ReleaseDayUser"
    assert "--master" not in runner.locust_argv(runner.RunSpec("http://127.0.0.1:1", "spike", 3, 9.0, Path("/x")))


def test_a_worker_needs_only_the_masters_address() -> None:
    argv = runner.worker_argv("10.0.0.5", 6000)
    assert argv[argv.index("--master-host") + 1 :] == ["10.0.0.5", "--master-port", "6000"]
    assert "--worker" in argv
    assert "--host" not in argv  # the target comes from the master


@pytest.mark.parametrize(("text", "parsed"), [("10.0.0.5", ("10.0.0.5", 5557)), ("h:6000", ("h", 6000))])
def test_master_addresses_parse(text: str, parsed: tuple[str, int]) -> None:
    assert distributed.parse_master(text) == parsed


@pytest.mark.parametrize("text", ["h:", ":5557", "h:x", "h:70000"])
def test_bad_master_addresses_are_refused(text: str) -> None:
    with pytest.raises(LabError) as err:
        distributed.parse_master(text)
    assert err.value.code == "invalid_master"


@pytest.mark.parametrize(("workers", "remote"), [(-1, 0), (65, 0), (0, 99)])
def test_worker_counts_are_bounded(workers: int, remote: int) -> None:
    with pytest.raises(LabError) as err:
        target.validate_workers(workers, remote)
    assert err.value.code == "invalid_workers"


def test_merged_worker_numbers_equal_one_process_that_saw_every_request() -> None:
    one, a, b, master = Recorder(), Recorder(keep_log=True), Recorder(keep_log=True), Recorder()
    requests = [
        ("GET /api/movies", 200, 12.0, "baseline"),
        ("POST h", 409, 30.0, "peak", "seats_unavailable"),
        ("POST h", 503, 90.0, "peak", "seat_lock_contended"),
    ]
    for i, req in enumerate(requests * 5):
        one.request(*req)
        (a if i % 2 else b).request(*req)
    a.log({"ev": "hold", "status": 201})
    master.absorb(a.export())
    master.absorb(b.export())
    assert master.summary(10.0) == one.summary(10.0)
    assert master.summary(10.0)[1]["error_codes"] == {"seat_lock_contended": 5, "seats_unavailable": 5}
    assert master.total.summary("all", 10.0) == one.total.summary("all", 10.0)
    assert a.export()["log"] == ['{"ev":"hold","status":201}\n']


def test_a_locust_process_near_a_full_core_is_named() -> None:
    line = report.cpu_line({"master": {"mean": 4.0, "max": 9.0}, "worker-1": {"mean": 96.0, "max": 100.0}})
    assert "worker-1 96% (max 100%)" in line
    assert "worker-1 near a full core: add --workers" in line
    assert "add --workers" not in report.cpu_line({"locust": {"mean": 40.0, "max": 70.0}})
