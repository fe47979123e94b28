"""The detached supervisor reads back exactly the options `labctl up --local --detach` wrote."""

from __future__ import annotations

import sys

from labctl.local import detached
from labctl.local.supervisor import Options


def test_the_detached_command_line_round_trips_every_option() -> None:
    opts = Options(8080, 7200, 300, True, "launch-1", t0=1_700_000_000.5)
    argv = detached.argv(opts)
    assert argv[:3] == [sys.executable, "-m", "labctl.local.detached"]
    assert detached.options(argv[3:]) == opts


def test_a_start_time_is_optional_and_the_process_always_runs_detached() -> None:
    opts = Options(9000, 60, 5, False, "launch-2")
    back = detached.options(detached.argv(opts)[3:])
    assert back.t0 is None
    assert back.detached is True
    assert (back.port, back.ttl_seconds, back.hold_ttl, back.launch_id) == (9000, 60, 5, "launch-2")
