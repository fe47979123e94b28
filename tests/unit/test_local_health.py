"""`labctl status --local` stays bounded: probes side by side, a silent service is slow (not down)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from labctl.local import health
from labctl.local.state import LabState


def _slow_job() -> str:
    time.sleep(5)
    return "too late"


def test_gather_returns_what_finished_within_the_deadline() -> None:
    t0 = time.monotonic()
    done = health.gather({"fast": lambda: 1, "slow": _slow_job}, deadline_s=0.3)
    assert done == {"fast": 1}
    assert time.monotonic() - t0 < 2.0  # the slow job's thread is a daemon: nobody waits for it


def test_the_probes_get_what_the_three_second_budget_leaves_but_never_less_than_one_timeout() -> None:
    assert health.deadline_s(100.0, 100.5) == health.SNAPSHOT_DEADLINE_S  # a quick start: the full 2 s
    assert health.deadline_s(100.0, 101.2) == pytest.approx(1.5)  # 3 - 0.3 margin - 1.2 s of start-up
    assert health.deadline_s(100.0, 104.0) == pytest.approx(health.TIMEOUT_S + 0.2)  # a probe still gets its 1 s


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def _lab(sqs_url: str) -> LabState:
    return LabState(
        "x",
        "ready",
        1,
        0.0,
        True,
        1,
        "http://127.0.0.1:1",
        "us-east-1",
        "t",
        300,
        600,
        0.0,
        600.0,
        endpoints={"sqs": sqs_url},
        queues={"hold_expiry": f"{sqs_url}/1/hold-expiry"},
    )


def test_a_queue_service_that_does_not_answer_is_slow_after_one_second(silent_port: int) -> None:
    t0 = time.monotonic()
    verdict = health.probe_sqs(_lab(f"http://127.0.0.1:{silent_port}"))
    assert verdict == health.SLOW
    assert verdict.detail == "slow (no answer within 1 s)"
    assert time.monotonic() - t0 < 3.0


def test_a_queue_service_that_is_gone_is_not_answering() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])  # bound, not listening: connections are refused
        assert health.probe_sqs(_lab(f"http://127.0.0.1:{port}")) == health.Health(False, "not answering")
