"""The benchmarks' shared harness: a throwaway workdir, SIGTERM unwinding like Ctrl-C, the result on disk."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from loadtests import harness


def test_the_workdir_exists_during_the_run_and_is_gone_after(tmp_path: Path) -> None:
    seen: list[Path] = []

    def run(workdir: Path) -> int:
        seen.append(workdir)
        (workdir / "scratch").write_text("x")
        return 7

    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert harness.in_workdir("bench-test-", run) == 7
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen[0].name.startswith("bench-test-")
    assert not seen[0].exists()


def test_a_sigterm_during_the_run_unwinds_as_ctrl_c_would() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(KeyboardInterrupt):
            harness.in_workdir("bench-test-", lambda _w: os.kill(os.getpid(), signal.SIGTERM))
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_result_is_saved_as_json_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "results" / "latest.json"
    harness.save(path, {"runs": [1, 2]})
    assert json.loads(path.read_text()) == {"runs": [1, 2]}
