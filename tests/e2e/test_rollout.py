"""The rollout rehearsal, bounded: `labctl rollout --local` on the session's lab, as a learner (or CI) runs it.

A good rollout loses no request and promotes green; a green that fails after its health check is
noticed during the bake and rolled back, with the failed requests bounded and reported. Each run
takes well under 60 s: a 5 s bake, a 5 s minimum load, the lab already up (green's start and a retried
health check take longest on a busy machine).
"""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any

import psutil
import pytest

from labctl.local.ports import port_open
from tests.e2e.conftest import Lab

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(150)]
RUN_BUDGET_S = 60


def _rollout(lab: Lab, *args: str) -> tuple[int, dict[str, Any], float]:
    t0 = time.monotonic()
    done = lab.run(
        "rollout", "--local", "--duration", "5s", "--bake", "5s", "--rps", "40", *args, "--json", timeout=120
    )
    took = time.monotonic() - t0
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), took


def _status(lab: Lab) -> dict[str, Any]:
    done = lab.run("status", "--local", "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_the_front_door_and_the_control_api_listen_on_loopback_only(local_lab: Lab) -> None:
    st = local_lab.state()
    ports = {int(url.rsplit(":", 1)[1]) for url in (st["frontdoor_admin_url"], st["control_url"])}
    ports.add(st["services"]["frontdoor"]["port"])
    assert st["services"]["frontdoor"]["port"] == local_lab.port  # the door holds the lab's public port
    found = {c.laddr.port: c.laddr.ip for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    for port in ports:
        assert ipaddress.ip_address(found[port]).is_loopback, f"{port} listens on {found.get(port)}"


def test_a_good_rollout_loses_no_request_and_promotes_green(local_lab: Lab) -> None:
    before = local_lab.state()
    code, doc, took = _rollout(local_lab)
    assert code == 0, (doc["reason"], doc["bake"], doc["latency_ms"], doc["timings_ms"])
    assert doc["result"] == "promoted"
    assert doc["failed"] == 0, doc
    assert doc["requests"] >= 200  # 40/s for at least 5 s
    assert doc["served_by"]["blue"] > 0
    assert doc["served_by"]["green"] > 0
    assert doc["bake"]["green_5xx"] == 0
    assert doc["switch_ms"] is not None
    assert doc["events"][2]["message"].startswith("test traffic")  # green answered its reads before customers did
    assert took < RUN_BUDGET_S
    after = local_lab.state()
    local_lab.pids.append(after["services"]["api"]["pid"])  # the session's end checks `down` stops it
    local_lab.ports.append(after["services"]["api"]["port"])
    assert after["revision"] == before["revision"] + 1
    assert after["services"]["api"]["pid"] != before["services"]["api"]["pid"]
    assert not port_open(before["services"]["api"]["port"])  # blue drained, got SIGTERM and left
    status = _status(local_lab)
    assert status["serving"] == {"blue": 100, "green": 0}
    assert status["rollout"]["result"] == "promoted"
    assert "api-green" not in status["services"]


def test_a_green_that_breaks_after_its_health_check_is_rolled_back_during_the_bake(local_lab: Lab) -> None:
    before = local_lab.state()
    code, doc, took = _rollout(local_lab, "--break-green", "--strategy", "canary")
    assert code == 1, doc
    assert doc["result"] == "rolled_back"
    assert "5xx" in doc["reason"]
    assert doc["failed_by"]["blue"] == 0
    assert 0 < doc["failed"] == doc["failed_by"]["green"]
    # bounded by the bake: only part of green's 10% share of one bake window failed
    assert doc["failed"] < 40 * 5 * 0.10
    assert doc["bake"]["green_5xx"] >= 3
    assert took < RUN_BUDGET_S
    after = local_lab.state()
    assert after["revision"] == before["revision"]
    assert after["services"]["api"]["pid"] == before["services"]["api"]["pid"]
    assert "api-green" not in after["services"]
    status = _status(local_lab)
    assert status["serving"] == {"blue": 100, "green": 0}
    assert status["rollout"]["result"] == "rolled_back"
    assert status["services"]["api"]["healthy"] is True
