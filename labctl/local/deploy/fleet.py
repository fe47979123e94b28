"""The API processes of both colours as the supervisor owns them: start green, retire a colour, promote green.

Every change happens under the supervisor's lock, so its once-a-second watcher never sees a colour
that is being stopped on purpose as a crash to restart, and state.json always names every process
(a crashed supervisor's `labctl down` still finds green). Both colours log to api.log, as both ECS
revisions log to one log group, so the metrics shipper and `labctl slo report --local` see every answer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from labctl.local import services, state
from labctl.local.children import Children
from labctl.local.ports import free_port
from labctl.local.watch import RestartSpec

BLUE = "api"  # the serving revision keeps the name every other command knows
GREEN = "api-green"
RETIRING = "api-retiring"


class Fleet:
    """Process-level moves of a rollout; the front door's weights are the controller's business."""

    def __init__(
        self,
        kids: Children,
        restarts: dict[str, RestartSpec],
        env: Mapping[str, str],
        lock: threading.RLock,
        admin_port: int,
    ) -> None:
        self.kids = kids
        self.restarts = restarts
        self.env = dict(env)
        self.lock = lock
        self.admin_port = admin_port
        self._green_env: dict[str, str] = {}

    def start_green(self, extra_env: Mapping[str, str]) -> str:
        """Start the new revision beside blue on a free port; its URL."""
        with self.lock:
            port = free_port()
            self._green_env = {**self.env, **extra_env}
            self.kids.spawn(GREEN, services.api_argv(port), self._green_env, port, log=BLUE)
            return f"http://{services.HOST}:{port}"

    def green_exit_code(self) -> int | None:
        """None while green runs."""
        proc = self.kids.procs.get(GREEN)
        return -1 if proc is None else proc.poll()

    def retire(self, name: str, grace_s: float) -> list[str]:
        """Stop a colour's process (SIGTERM, SIGKILL after grace_s) without the watcher restarting it."""
        with self.lock:
            lab = self.kids.lab
            assert lab is not None
            if name not in self.kids.procs:
                return []
            self.kids.procs[RETIRING] = self.kids.procs.pop(name)
            record = lab.services.pop(name, None)
            if record is not None:
                record.name = RETIRING
                lab.services[RETIRING] = record
            state.save(lab)
        survivors = self.kids.stop((RETIRING,), grace_s)
        with self.lock:
            self.kids.procs.pop(RETIRING, None)
            lab.services.pop(RETIRING, None)
            state.save(lab)
        return survivors

    def promote(self) -> int:
        """Green is the serving revision now (blue already retired): rename it, restart it as such; its revision."""
        with self.lock:
            lab = self.kids.lab
            assert lab is not None
            self.kids.procs[BLUE] = self.kids.procs.pop(GREEN)
            record = lab.services.pop(GREEN)
            record.name = BLUE
            lab.services[BLUE] = record
            port = record.port or 0
            self.restarts[BLUE] = RestartSpec(services.api_argv(port), self._green_env, port)
            self.restarts["frontdoor"] = frontdoor_spec(lab.port, self.admin_port, f"http://{services.HOST}:{port}")
            lab.revision += 1
            state.save(lab)
            return lab.revision


def frontdoor_spec(port: int, admin_port: int, blue_url: str) -> RestartSpec:
    """How the front door starts (again): public port, admin port, blue's target."""
    return RestartSpec(services.frontdoor_argv(port, admin_port, blue_url), services.child_env({}), port)
