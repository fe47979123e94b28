"""The supervisor's rollout side: the fleet, a controller per rollout, the control API, and state.json's summary."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from labctl.local import state
from labctl.local.children import Children, Progress
from labctl.local.deploy.control import ControlServer
from labctl.local.deploy.controller import Controller, Deployments
from labctl.local.deploy.fleet import Fleet
from labctl.local.deploy.model import RolloutRequest, RolloutStatus
from labctl.local.deployment import contract
from labctl.local.frontdoor.client import FrontDoorClient
from labctl.local.services import HOST
from labctl.local.watch import RestartSpec

STOP_JOIN_S = 5.0


class LabDeployments:
    """Built once the lab is ready; closed when the supervisor stops."""

    def __init__(
        self,
        kids: Children,
        restarts: dict[str, RestartSpec],
        env: Mapping[str, str],
        lock: threading.RLock,
        stop: threading.Event,
        progress: Progress,
        latency_floor_ms: float,
    ) -> None:
        lab = kids.lab
        assert lab is not None
        self.kids, self.lock, self.stop, self._progress = kids, lock, stop, progress
        self.floor_ms = latency_floor_ms
        admin_port = int(lab.frontdoor_admin_url.rsplit(":", 1)[1])
        self.fleet = Fleet(kids, restarts, env, lock, admin_port)
        self.deployments = Deployments(self._make)
        self.server = ControlServer(self.deployments, HOST, 0)
        self._last_phase = ""
        lab.control_url = self.server.url

    def _make(self, req: RolloutRequest, status: RolloutStatus) -> Controller:
        lab = self.kids.lab
        assert lab is not None
        status.revision = lab.revision + 1
        door = FrontDoorClient(lab.frontdoor_admin_url)
        self._progress(f"rollout {status.id}: {req.strategy}, bake {req.bake_s:g} s, break {req.break_mode or 'no'}")
        return Controller(req, status, self.fleet, door, contract(), self.floor_ms, self._publish, self.stop)

    def _publish(self, status: RolloutStatus) -> None:
        """Log each new phase and keep state.json's summary current (status --local reads it)."""
        if status.phase == self._last_phase:
            return
        self._last_phase = status.phase
        ending = f" ({status.reason})" if status.done else ""
        self._progress(f"rollout {status.id}: {status.phase}{ending}")
        with self.lock:
            lab = self.kids.lab
            if lab is not None:
                lab.rollout = status.summary()
                state.save(lab)

    def close(self) -> None:
        """Stop serving the control API; give a running rollout a moment to notice the stop."""
        self.server.close()
        self.deployments.join(STOP_JOIN_S)
