"""The rollout controller's phases against a fake fleet and front door (the real ones: tests/e2e/test_rollout.py)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import httpx
import pytest

from labctl.local.deploy import controller as controller_module
from labctl.local.deploy.control import ControlServer
from labctl.local.deploy.controller import Controller, Deployments
from labctl.local.deploy.model import RolloutRefused, RolloutRequest, RolloutStatus
from labctl.local.deployment import Deployment, contract
from labctl.local.frontdoor.client import FrontDoorClient


class FakeFleet:
    def __init__(self, green_exits: bool = False) -> None:
        self.green_exits = green_exits
        self.calls: list[str] = []

    def start_green(self, extra_env: dict[str, str]) -> str:
        self.calls.append(f"start green {sorted(extra_env)}")
        return "http://127.0.0.1:1"

    def green_exit_code(self) -> int | None:
        return 3 if self.green_exits else None

    def retire(self, name: str, grace_s: float) -> list[str]:
        self.calls.append(f"retire {name}")
        return []

    def promote(self) -> int:
        self.calls.append("promote")
        return 2


class FakeDoor:
    """Green's target group answers with the given window; weights, registrations and promotion are logged."""

    def __init__(self, green_window: dict[str, Any]) -> None:
        self.green_window = green_window
        self.targets = {"blue": "healthy", "green": "none"}
        self.calls: list[str] = []

    def state(self, since: float | None = None) -> dict[str, Any]:
        blue = {"requests": 50, "target_5xx": 0, "elb_5xx": 0, "p95_ms": 20.0}
        groups = {
            c: {"target": None if s == "none" else {"state": s}, "window": w}
            for c, s, w in (("blue", self.targets["blue"], blue), ("green", self.targets["green"], self.green_window))
        }
        return {"groups": groups}

    def register(self, colour: str, url: str) -> None:
        self.calls.append(f"register {colour}")
        self.targets[colour] = "healthy"

    def deregister(self, colour: str) -> None:
        self.calls.append(f"deregister {colour}")
        self.targets[colour] = "none"

    def weights(self, **weights: int) -> dict[str, int]:
        self.calls.append(f"weights {weights['blue']}/{weights['green']}")
        return dict(weights)

    def promote(self) -> None:
        self.calls.append("promote")

    def close(self) -> None:
        pass


GOOD = {"requests": 40, "target_5xx": 0, "elb_5xx": 0, "p95_ms": 25.0}
FAILING = {"requests": 40, "target_5xx": 20, "elb_5xx": 0, "p95_ms": 25.0}


@pytest.fixture(autouse=True)
def green_answers_readyz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(controller_module, "http_status", lambda url, timeout_s=1.0: 200)
    monkeypatch.setattr(controller_module, "send_test_traffic", lambda url: 0)


def _run(
    req: RolloutRequest,
    fleet: FakeFleet,
    door: FakeDoor,
    deployment: Deployment | None = None,
    stop: threading.Event | None = None,
) -> RolloutStatus:
    status = RolloutStatus("t1", req.strategy, req.bake_s, req.break_mode)
    d, stopped = deployment or contract(), stop or threading.Event()
    c = Controller(req, status, fleet, door, d, 300.0, lambda _s: None, stopped)  # type: ignore[arg-type]
    c.run()
    return status


def test_a_good_canary_shifts_in_two_steps_drains_and_stops_blue_then_promotes() -> None:
    fleet, door = FakeFleet(), FakeDoor(GOOD)
    status = _run(RolloutRequest("canary", bake_s=1.0), fleet, door)
    assert (status.result, status.revision) == ("promoted", 2)
    assert door.calls == ["register green", "weights 90/10", "weights 0/100", "deregister blue", "promote"]
    assert fleet.calls == ["start green []", "retire api", "promote"]
    assert status.bake.green_requests == 40
    assert status.switch_ms is not None


def test_a_green_failing_in_the_bake_gets_traffic_back_to_blue_and_is_stopped() -> None:
    fleet, door = FakeFleet(), FakeDoor(FAILING)
    status = _run(RolloutRequest("all-at-once", bake_s=5.0, break_mode="errors"), fleet, door)
    assert status.result == "rolled_back"
    assert status.reason == "green's 5xx rate 50.0% (20 of 40) is above 1%"
    assert door.calls == ["register green", "weights 0/100", "weights 100/0", "deregister green"]
    assert fleet.calls == ["start green ['FAULT_5XX_RATE']", "retire api-green"]
    assert status.timings_ms["total"] < 4000  # noticed at the first look, not at the end of the 5 s bake


def test_a_green_that_dies_before_it_is_ready_never_gets_traffic() -> None:
    fleet, door = FakeFleet(green_exits=True), FakeDoor(GOOD)
    status = _run(RolloutRequest(), fleet, door)
    assert status.result == "rolled_back"
    assert "green exited (code 3) before it took traffic" in status.reason
    assert door.calls == []
    assert fleet.calls[-1] == "retire api-green"


class CheckedDoor(FakeDoor):
    """Green stays in its initial health check for `initial_looks` looks at the state, then gets `verdict`."""

    def __init__(self, initial_looks: int, verdict: str) -> None:
        super().__init__(GOOD)
        self.initial_looks, self.verdict, self.looks = initial_looks, verdict, 0

    def register(self, colour: str, url: str) -> None:
        self.calls.append(f"register {colour}")
        self.targets[colour] = "initial"

    def state(self, since: float | None = None) -> dict[str, Any]:
        if self.targets["green"] == "initial":
            self.looks += 1
            if self.looks > self.initial_looks:
                self.targets["green"] = self.verdict
        return super().state(since)


def test_green_gets_the_albs_retries_when_a_health_check_fails_and_is_rolled_back_once_unhealthy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # checks every 0.4 s with a 0.2 s timeout: three checks take 1.8 s, one check with its timeout 0.6 s
    quick = dataclasses.replace(contract(), health_interval_s=0.4, health_timeout_s=0.2, unhealthy_threshold=3)
    monkeypatch.setattr(controller_module, "CHECK_MARGIN_S", 0.0)
    slow_first = _run(RolloutRequest(bake_s=1.0), FakeFleet(), CheckedDoor(initial_looks=5, verdict="healthy"), quick)
    assert slow_first.result == "promoted", slow_first.reason  # healthy after ~1 s: past one check, within three
    fleet, door = FakeFleet(), CheckedDoor(initial_looks=2, verdict="unhealthy")
    failing = _run(RolloutRequest(bake_s=1.0), fleet, door)  # the contract's 10 s checks: a 50 s wait
    assert (failing.result, failing.reason) == ("rolled_back", "green did not pass the front door's health check")
    assert "weights 0/100" not in door.calls  # never took traffic
    assert fleet.calls[-1] == "retire api-green"
    assert failing.timings_ms["total"] < 5000  # ended at the door's verdict, not at the end of the wait


def test_a_lab_that_stops_ends_the_rollout_as_failed() -> None:
    stop = threading.Event()
    stop.set()
    status = _run(RolloutRequest(bake_s=5.0), FakeFleet(), FakeDoor(GOOD), stop=stop)
    assert (status.result, status.reason) == ("failed", "the lab stopped during the rollout")


def test_one_rollout_at_a_time_and_the_control_api_says_so() -> None:
    release = threading.Event()

    class Waiting:
        def run(self) -> None:
            release.wait(5)

    deployments = Deployments(lambda req, status: Waiting())  # type: ignore[arg-type,return-value]
    server = ControlServer(deployments, "127.0.0.1", 0)
    try:
        assert httpx.get(server.url + "/rollouts/current").json()["error"]["code"] == "no_rollout"
        bad = httpx.post(server.url + "/rollouts", json={"strategy": "sideways"})
        assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_rollout")
        first = httpx.post(server.url + "/rollouts", json={"strategy": "canary", "bake_s": 3})
        assert first.status_code == 202
        assert first.json()["strategy"] == "canary"
        second = httpx.post(server.url + "/rollouts", json={})
        assert (second.status_code, second.json()["error"]["code"]) == (409, "rollout_in_progress")
        assert httpx.get(server.url + "/rollouts/current").json()["id"] == first.json()["id"]
        with pytest.raises(RolloutRefused):
            deployments.start(RolloutRequest())
    finally:
        release.set()
        server.close()


def test_the_front_door_client_reports_an_unreachable_admin_api() -> None:
    from labctl.local.frontdoor.client import FrontDoorError
    from labctl.local.ports import free_port

    door = FrontDoorClient(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    with pytest.raises(FrontDoorError) as err:
        door.state()
    assert err.value.code == "frontdoor_unreachable"
