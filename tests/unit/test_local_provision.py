"""The seed is launched by module name and its output parsed (queues: tests/integration/test_local_sqs_server.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from labctl.local import provision
from labctl.local.table_counts import summarize
from labctl.output import LabError


def test_seed_argv_launches_the_api_seed_module_without_importing_it() -> None:
    argv = provision.seed_argv("http://127.0.0.1:9", "t1", "us-east-1", 2)
    assert argv[1:3] == ["-m", "api.seed"]
    assert argv[-1] == "--create-table"
    assert argv[argv.index("--days") + 1] == "2"
    assert "--create-table" not in provision.seed_argv("http://x", "t1", "us-east-1", 2, create_table=False)


def test_seed_output_counts_are_read_and_errors_become_seed_failed() -> None:
    ok = provision.parse_seed_output('warning on stderr\n{"movies": 6, "shows": 18, "items_written": 2184}\n')
    assert ok["shows"] == 18
    with pytest.raises(LabError) as err:
        provision.parse_seed_output('{"error": {"code": "seed_failed", "message": "no table"}}')
    assert err.value.code == "seed_failed"
    assert "no table" in err.value.message
    with pytest.raises(LabError):
        provision.parse_seed_output("Traceback (most recent call last): ...")


def test_counts_fold_item_types_and_statuses() -> None:
    tally = Counter(
        {("seat", "available"): 118, ("seat", "held"): 1, ("seat", "booked"): 1, ("hold", "active"): 1}
        | {("hold", "booked"): 1, ("booking", "confirmed"): 1, ("movie", ""): 6, ("show", ""): 1, ("notice", ""): 1}
    )
    assert summarize(tally) == {
        "seats": {"available": 118, "held": 1, "booked": 1},
        "holds": {"total": 2, "active": 1, "booked": 1},
        "bookings": {"total": 1},
        "catalog": {"movies": 6, "shows": 1},
    }
