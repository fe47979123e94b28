"""Keeping the lab running: restart a dead API, worker or queue service; note when the catalog top-up ends.

DynamoDB Local holds the data and is never restarted. The queue service loses its messages when it dies;
the holds they would have expired still read as free at expires_at (ADR 0011), so a restart with its
queues created again is the lesser harm. Each service is restarted at most RESTART_LIMIT times.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from labctl.local import provision, state
from labctl.local.children import Children, Progress
from labctl.output import LabError

SEED_DAYS = 7  # the catalog top-up loads the rest of the week once the lab is healthy
RESTART_LIMIT = 5


@dataclass(frozen=True)
class RestartSpec:
    """How a service starts again: its command, environment, port and what to do once it listens."""

    argv: list[str]
    env: dict[str, str]
    port: int | None = None
    after: Callable[[], None] = field(default=lambda: None)


class Watcher:
    """Checked once a second by the supervisor: acts on every child that has exited."""

    def __init__(self, kids: Children, restarts: dict[str, RestartSpec], progress: Progress) -> None:
        self.kids = kids
        self.restarts = restarts
        self._progress = progress

    def start_topup(self, dynamodb: str, table: str, region: str) -> None:
        """Load the rest of the catalog in the background (the lab is usable meanwhile)."""
        assert self.kids.lab is not None
        argv = provision.seed_argv(dynamodb, table, region, SEED_DAYS)
        self.kids.spawn("seed", argv, provision.seed_env(dynamodb, region))

    def check(self) -> None:
        lab = self.kids.lab
        assert lab is not None
        for name, proc in list(self.kids.procs.items()):
            code = proc.poll()
            if code is None or name not in lab.services:
                continue
            if name == "seed":
                self._topup_done(code)
            elif name in self.restarts and lab.services[name].restarts < RESTART_LIMIT:
                self._progress(f"{name}: exited with {code}; restarting")
                self._restart(name)
            else:
                self._progress(f"{name}: exited with {code}; not restarted")
                del lab.services[name]
            state.save(lab)

    def _topup_done(self, code: int) -> None:
        lab, ok = self.kids.lab, code == 0
        assert lab is not None
        lab.catalog.update(days=SEED_DAYS if ok else lab.catalog["days"], status="ready" if ok else "partial")
        if ok:
            with contextlib.suppress(LabError):
                result = provision.parse_seed_output(self.kids.log_text("seed"))
                lab.catalog.update(movies=result.get("movies"), shows=result.get("shows"))
        del lab.services["seed"]
        self._progress(f"catalog: {SEED_DAYS} days loaded" if ok else f"seed top-up failed (exit {code})")

    def _restart(self, name: str) -> None:
        lab, spec = self.kids.lab, self.restarts[name]
        assert lab is not None
        restarts = lab.services[name].restarts
        self.kids.spawn(name, spec.argv, spec.env, spec.port)
        lab.services[name].restarts = restarts + 1
        try:
            spec.after()
        except LabError as err:
            self._progress(f"{name}: restarted, but {err.message}")
