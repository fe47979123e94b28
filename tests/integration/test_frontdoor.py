"""The front door in front of real APIs (uvicorn, in-memory store): shifting and draining lose no request.

Every process is real: the door (`python -m labctl.local.frontdoor.server`), the APIs, the customers
(labctl's rollout load, aiohttp). Bounded: a few seconds of load at 100 requests a second on loopback.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from labctl.local import services
from labctl.local.frontdoor.client import FrontDoorClient, target_state
from labctl.local.ports import free_port, wait_for_port
from labctl.rollout.load import Load, Tally, session

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
REPO = Path(__file__).resolve().parents[2]
PATHS = ["/api/movies", "/healthz"]


def _spawn(argv: list[str], port: int, log: Path, extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = services.child_env({"STORE": "memory", "LOG_LEVEL": "WARNING", **(extra or {})})
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    assert wait_for_port(port, 90), log.read_text()[-2000:]
    return proc


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Three APIs started side by side: two ordinary ones and one whose /api/ answers take a second."""
    logs = tmp_path_factory.mktemp("apis")
    ports = {"one": free_port(), "two": free_port(), "slow": free_port()}
    procs = []
    for name, port in ports.items():
        extra = {"FAULT_LATENCY_MS": "1000"} if name == "slow" else {}
        env = services.child_env({"STORE": "memory", "LOG_LEVEL": "WARNING", **extra})
        with (logs / f"{name}.log").open("wb") as out:
            procs.append(subprocess.Popen(services.api_argv(port), stdout=out, stderr=subprocess.STDOUT, env=env))
    try:
        for name, port in ports.items():
            assert wait_for_port(port, 90), (logs / f"{name}.log").read_text()[-2000:]
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        _stop(*procs)


class Door:
    def __init__(self, blue_url: str, tmp: Path) -> None:
        self.port, admin = free_port(), free_port()
        argv = [sys.executable, "-m", "labctl.local.frontdoor.server", "--port", str(self.port)]
        argv += ["--admin-port", str(admin), "--target", f"blue={blue_url}"]
        self.proc = _spawn(argv, self.port, tmp / "door.log")
        self.admin = FrontDoorClient(f"http://127.0.0.1:{admin}")
        self.wait(lambda: target_state(self.admin.state(), "blue") == "healthy")

    def wait(self, done: Callable[[], bool], timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            assert time.monotonic() < deadline, self.admin.state()["events"]
            time.sleep(0.05)


@pytest.fixture
def door_factory(tmp_path: Path) -> Iterator[Callable[[str], Door]]:
    made: list[Door] = []

    def make(blue_url: str) -> Door:
        made.append(Door(blue_url, tmp_path))
        return made[-1]

    yield make
    for d in made:
        d.admin.close()
        _stop(d.proc)


async def _load_while(port: int, rps: int, steps: Callable[[], None]) -> Tally:
    """Customers at rps while steps() runs in a thread (the admin calls block); their tally."""
    async with session(f"http://127.0.0.1:{port}") as customers:
        load = Load(customers, PATHS, rps)
        task = asyncio.create_task(load.run())
        await asyncio.sleep(0.5)
        await asyncio.to_thread(steps)
        await asyncio.sleep(0.5)
        load.stop()
        return await task


def test_shifting_to_green_and_draining_blue_under_load_loses_no_request(
    apis: dict[str, str], door_factory: Callable[[str], Door]
) -> None:
    door = door_factory(apis["one"])

    def rollout() -> None:
        door.admin.register("green", apis["two"])
        door.wait(lambda: target_state(door.admin.state(), "green") == "healthy")
        for green in (10, 50, 100):
            door.admin.weights(blue=100 - green, green=green)
            time.sleep(0.4)
        door.admin.deregister("blue")
        door.wait(lambda: target_state(door.admin.state(), "blue") == "none")
        door.admin.promote()

    tally = asyncio.run(_load_while(door.port, 100, rollout))
    assert tally.failed == 0, tally
    assert tally.served_by["blue"] > 50
    assert tally.served_by["green"] > 50
    state = door.admin.state()
    assert state["serving"] == {"blue": 100, "green": 0}
    assert state["groups"]["blue"]["target"]["url"] == apis["two"]  # green is blue now
    messages = [e["message"] for e in state["events"]]
    assert "blue: deregistered" in messages
    assert "green promoted: it is blue now" in messages


def test_a_drain_waits_for_the_requests_in_flight_and_no_longer(
    apis: dict[str, str], door_factory: Callable[[str], Door]
) -> None:
    door = door_factory(apis["slow"])

    async def go() -> tuple[list[int], float, dict[str, object], int]:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{door.port}") as s:

            async def get() -> int:
                async with s.get("/api/movies") as r:
                    await r.read()
                    return r.status

            held = [asyncio.create_task(get()) for _ in range(5)]
            await asyncio.sleep(0.3)
            await asyncio.to_thread(door.admin.deregister, "blue")
            t0 = time.monotonic()
            draining = (await asyncio.to_thread(door.admin.state))["groups"]["blue"]["target"]
            refused = await get()  # no colour can take it: the door answers 503 itself
            statuses = list(await asyncio.gather(*held))
            await asyncio.to_thread(door.wait, lambda: target_state(door.admin.state(), "blue") == "none")
            return statuses, time.monotonic() - t0, draining, refused

    statuses, drained_after, draining, refused = asyncio.run(go())
    assert statuses == [200] * 5
    assert draining["state"] == "draining"
    assert draining["in_flight"] == 5
    assert refused == 503
    assert drained_after < 5  # the held requests' second, not the 30 s deregistration delay


def test_a_target_that_dies_is_answered_for_by_the_door_with_502(
    tmp_path: Path, door_factory: Callable[[str], Door]
) -> None:
    port = free_port()
    api = _spawn(services.api_argv(port), port, tmp_path / "doomed.log")
    door = door_factory(f"http://127.0.0.1:{port}")
    os.kill(api.pid, signal.SIGKILL)
    api.wait(timeout=10)
    since = time.time()

    async def get() -> tuple[int, str | None, dict[str, object]]:
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{door.port}/api/movies") as r:
            return r.status, r.headers.get("x-served-by"), await r.json()

    status, colour, body = asyncio.run(get())
    assert (status, colour) == (502, "blue")
    assert body["error"]["code"] == "bad_gateway"
    window = door.admin.state(since=since)["groups"]["blue"]["window"]
    assert (window["requests"], window["elb_5xx"]) == (1, 1)
