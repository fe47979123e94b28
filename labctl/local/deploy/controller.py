"""One rollout, phase by phase, on a thread of the supervisor (the lab's ECS deployment controller).

start green -> its /readyz -> register it in the front door's green group -> one passed health check ->
test traffic (each catalog read once, straight to green: warm.py) -> shift (canary: 10% and bake, then
100% and bake; all-at-once: 100% and bake) -> blue drains (no new requests; it leaves when idle, within
the deregistration delay) -> SIGTERM, SIGKILL after the stop timeout -> green is promoted (it is blue now,
one revision up). Any rule of bake.py broken, green dead or not ready in time: traffic goes back to blue
at once, green drains and stops ("rolled_back").
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from labctl.local.deploy import bake
from labctl.local.deploy.fleet import BLUE, GREEN, Fleet
from labctl.local.deploy.model import BREAK_ENV, CANARY_PERCENT, RolloutRefused, RolloutRequest, RolloutStatus
from labctl.local.deploy.warm import send_test_traffic
from labctl.local.deployment import Deployment
from labctl.local.frontdoor.client import FrontDoorClient, FrontDoorError, target_state
from labctl.local.health import http_status

GREEN_READY_TIMEOUT_S = 120.0  # Python's start on two busy cores can take tens of seconds
POLL_S = 0.2
BAKE_POLL_S = 0.5
CHECK_MARGIN_S = 5.0  # beyond the health checks' own time: the door's polling, a busy machine
Publish = Callable[[RolloutStatus], None]


class Stopped(Exception):
    """The lab is stopping: the rollout ends where it is (the supervisor stops every process)."""


class Controller:
    """Runs one rollout; `status` is what the control API shows while it runs."""

    def __init__(
        self,
        req: RolloutRequest,
        status: RolloutStatus,
        fleet: Fleet,
        door: FrontDoorClient,
        deployment: Deployment,
        latency_floor_ms: float,
        publish: Publish,
        stop: threading.Event,
    ) -> None:
        self.req, self.s, self.fleet, self.door = req, status, fleet, door
        self.d = deployment
        self.floor_ms = latency_floor_ms
        self._publish = publish
        self._stop = stop

    def run(self) -> None:
        try:
            self._run()
        except Stopped:
            self._end("failed", "the lab stopped during the rollout")
        except FrontDoorError as err:
            self._rollback(f"the front door refused a step: {err.code}: {err}")
        finally:
            self.door.close()

    def _phase(self, phase: str) -> None:
        self.s.phase = phase
        self.s.note(phase)
        self._publish(self.s)

    def _wait(self, what: str, done: Callable[[], bool], timeout_s: float, poll_s: float = POLL_S) -> bool:
        """Poll done() until it holds (True) or timeout_s passes (False); Stopped when the lab stops."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if self._stop.wait(poll_s):
                raise Stopped(what)
            if time.monotonic() > deadline:
                return False
        return True

    def _run(self) -> None:
        s, t0 = self.s, time.monotonic()
        s.green_url = self.fleet.start_green(BREAK_ENV.get(self.req.break_mode or "", {}))
        self._phase("waiting for green's /readyz")
        ready = self._wait(
            "green ready",
            lambda: self.fleet.green_exit_code() is not None or http_status(s.green_url + "/readyz") == 200,
            GREEN_READY_TIMEOUT_S,
        )
        if self.fleet.green_exit_code() is not None or not ready:
            code = self.fleet.green_exit_code()
            why = f"exited (code {code})" if code is not None else f"was not ready in {GREEN_READY_TIMEOUT_S:g} s"
            self._end("rolled_back", f"green {why} before it took traffic; blue kept serving", retire=True)
            return
        s.timings_ms["green_ready"] = round((time.monotonic() - t0) * 1000)
        self.door.register("green", s.green_url)
        self._phase("front door: green's first health check")
        # One pass is enough, but a failed check is retried as the ALB does, until `unhealthy_threshold`
        # failures mark green unhealthy: on a busy machine one /readyz can time out or answer 503.
        checks = self.d.unhealthy_threshold * (self.d.health_interval_s + self.d.health_timeout_s) + CHECK_MARGIN_S
        verdict = lambda: target_state(self.door.state(), "green") in ("healthy", "unhealthy")  # noqa: E731
        if not self._wait("green's health check", verdict, checks) or (
            target_state(self.door.state(), "green") != "healthy"
        ):
            self._rollback("green did not pass the front door's health check")
            return
        self._phase("test traffic: green answers each catalog read once (not judged)")
        t = time.monotonic()
        send_test_traffic(s.green_url)
        s.timings_ms["test_traffic"] = round((time.monotonic() - t) * 1000)
        baseline = self.door.state(since=s.started_at)["groups"]["blue"]["window"]["p95_ms"]
        steps = [CANARY_PERCENT, 100] if self.req.strategy == "canary" else [100]
        for percent in steps:
            self._shift(green=percent)
            reason = self._bake(percent, baseline)
            if reason:
                self._rollback(reason)
                return
        self._promote()

    def _shift(self, *, green: int) -> None:
        t = time.perf_counter()
        self.s.weights = self.door.weights(blue=100 - green, green=green)
        self.s.switch_ms = round((time.perf_counter() - t) * 1000, 1)
        self.s.shifted_at = self.s.shifted_at or time.time()
        self.s.note(f"traffic: blue {100 - green}%, green {green}% (applied in {self.s.switch_ms} ms)")

    def _bake(self, percent: int, baseline: float | None) -> str | None:
        """Watch green for the bake time; the reason to roll back, or None."""
        self._phase(f"baking: green {percent}%")
        end = time.monotonic() + self.req.bake_s
        while time.monotonic() < end:
            if self._stop.wait(BAKE_POLL_S):
                raise Stopped("bake")
            if (code := self.fleet.green_exit_code()) is not None:
                return f"green exited (code {code}) during the bake"
            state = self.door.state(since=self.s.shifted_at)
            window = state["groups"]["green"]["window"]
            self.s.bake, reason = bake.judge(window, target_state(state, "green"), baseline, self.floor_ms)
            self._publish(self.s)
            if reason:
                return reason
        return None

    def _rollback(self, reason: str) -> None:
        self.s.note(f"rollback: {reason}")
        self._phase("rolling back")
        try:
            self._shift(green=0)
            self._drain("green")
        except FrontDoorError as err:
            self.s.note(f"front door: {err.code}")
        self._end("rolled_back", reason, retire=True)

    def _drain(self, colour: str) -> None:
        t = time.monotonic()
        self.door.deregister(colour)
        self._phase(f"draining {colour}")
        left = lambda: target_state(self.door.state(), colour) == "none"  # noqa: E731
        gone = self._wait(f"{colour} drained", left, self.d.deregistration_delay_s + 5)
        self.s.timings_ms[f"{colour}_drain"] = round((time.monotonic() - t) * 1000)
        if not gone:
            self.s.note(f"{colour} still registered after the deregistration delay")

    def _promote(self) -> None:
        b = self.s.bake
        self._drain("blue")
        self._phase("stopping blue (SIGTERM)")
        survivors = self.fleet.retire(BLUE, self.d.stop_timeout_s)
        try:
            self.door.promote()
        except FrontDoorError as err:  # green serves all traffic anyway; only its group's name is stale
            self.s.note(f"front door: promote refused: {err.code}")
        self.s.revision = self.fleet.promote()
        p95 = f"{b.green_p95_ms:.0f} ms" if b.green_p95_ms is not None else "n/a"
        reason = f"green's 5xx {b.green_5xx} of {b.green_requests}, p95 {p95} (limit {b.max_p95_ms:.0f} ms)"
        self._end("promoted", reason + (f"; blue needed SIGKILL: {survivors}" if survivors else ""))

    def _end(self, result: str, reason: str, *, retire: bool = False) -> None:
        if retire:
            self.fleet.retire(GREEN, self.d.stop_timeout_s)
        self.s.result, self.s.reason, self.s.ended_at = result, reason, time.time()
        self.s.timings_ms["total"] = round((self.s.ended_at - self.s.started_at) * 1000)
        self._phase(result.replace("_", " "))


class Deployments:
    """One rollout at a time; the last one's status stays readable after it ends."""

    def __init__(self, make: Callable[[RolloutRequest, RolloutStatus], Controller]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self.current: RolloutStatus | None = None
        self._thread: threading.Thread | None = None

    def start(self, req: RolloutRequest) -> RolloutStatus:
        with self._lock:
            if self.current is not None and not self.current.done:
                raise RolloutRefused("rollout_in_progress", f"Rollout {self.current.id} is {self.current.phase}.")
            status = RolloutStatus(uuid.uuid4().hex[:8], req.strategy, req.bake_s, req.break_mode)
            controller = self._make(req, status)
            self.current = status
            self._thread = threading.Thread(target=controller.run, name=f"rollout-{status.id}", daemon=True)
            self._thread.start()
            return status

    def join(self, timeout_s: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
