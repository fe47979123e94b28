"""`labctl rollout --local`: start the customers, ask the lab's supervisor for a rollout, watch it, report.

The supervisor runs the rollout (labctl/local/deploy): if this command is interrupted the rollout goes on
and ends by itself, as an ECS deployment does when its console tab is closed. This side only produces
the load and joins what the customers saw with the controller's verdict.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from labctl.local import running
from labctl.local.state import LabState
from labctl.output import LabError
from labctl.rollout.load import Load, Tally, catalog_paths, session
from labctl.rollout.result import RolloutResult

BASELINE_S = 1.0  # blue's answers before green exists: the bake compares green's p95 with them
POLL_S = 0.25
TAIL_S = 1.0  # the load runs on a moment after the end, so the last answers show who serves
CONTROL_TIMEOUT_S = 2.0
CONTROL_SILENCE_S = 15.0  # the supervisor may be busy; longer than this and the lab is gone
ROLLOUT_LIMIT_S = 600.0  # far above what a rollout's own timeouts add up to
Watch = Callable[[dict[str, Any] | None, Tally], None]


@dataclass(frozen=True)
class RolloutOptions:
    strategy: str
    duration_s: float  # the load runs at least this long, and until the rollout has ended
    rps: int
    bake_s: float
    break_mode: str | None


def run(opts: RolloutOptions, watch: Watch | None = None) -> RolloutResult:
    """Run one rollout of the running local lab under load; LabError when it cannot run or does not end."""
    lab = running.require_running(otherwise="then `labctl rollout --local`")
    if not (lab.control_url and lab.frontdoor_admin_url):
        raise running.incomplete("the front door and the control API (it was started by an older labctl)")
    return asyncio.run(_run(lab, opts, watch or (lambda _s, _t: None)))


async def _run(lab: LabState, opts: RolloutOptions, watch: Watch) -> RolloutResult:
    async with (
        session(lab.api_url) as customers,
        httpx.AsyncClient(base_url=lab.control_url, timeout=CONTROL_TIMEOUT_S) as control,
    ):
        load = Load(customers, await catalog_paths(customers), opts.rps)
        task = asyncio.get_running_loop().create_task(load.run())
        t0 = time.monotonic()
        try:
            await asyncio.sleep(BASELINE_S)
            watch(None, load.tally)
            status = await _start(control, opts)
            status = await _follow(control, status, lambda s: watch(s, load.tally))
            end = max(t0 + opts.duration_s, time.monotonic() + TAIL_S)
            while time.monotonic() < end:
                await asyncio.sleep(POLL_S)
                watch(status, load.tally)
        finally:
            load.stop()
            tally = await task
    if status["result"] == "failed":
        raise LabError("rollout_failed", f"The rollout did not finish: {status['reason']}.", _hint(lab))
    return RolloutResult(status, tally, opts.rps, time.monotonic() - t0)


def _hint(lab: LabState) -> str:
    return f"`labctl status --local` shows what serves now; the supervisor's log is in {lab.log_dir}."


async def _start(control: httpx.AsyncClient, opts: RolloutOptions) -> dict[str, Any]:
    body = {"strategy": opts.strategy, "bake_s": opts.bake_s, "break_mode": opts.break_mode}
    try:
        res = await control.post("/rollouts", json=body)
    except httpx.HTTPError as err:
        raise LabError("rollout_failed", f"The lab's supervisor does not answer ({type(err).__name__}).", "") from None
    doc: dict[str, Any] = res.json()
    if res.status_code == 409:
        raise LabError(
            "rollout_in_progress",
            doc["error"]["message"],
            "Wait for it: `labctl status --local` shows its phase.",
        )
    if res.status_code != 202:
        raise LabError("rollout_failed", f"The supervisor refused the rollout: {doc['error']['message']}", "")
    return doc


async def _follow(control: httpx.AsyncClient, status: dict[str, Any], watch: Callable[[dict[str, Any]], None]) -> Any:
    """Poll the rollout until it has a result; its last status."""
    deadline, heard = time.monotonic() + ROLLOUT_LIMIT_S, time.monotonic()
    while not status.get("result"):
        await asyncio.sleep(POLL_S)
        try:
            res = await control.get("/rollouts/current")
            if res.status_code == 200 and res.json()["id"] == status["id"]:
                status, heard = res.json(), time.monotonic()
        except httpx.HTTPError:
            pass
        watch(status)
        now = time.monotonic()
        if now - heard > CONTROL_SILENCE_S or now > deadline:
            raise LabError(
                "rollout_failed",
                f"The lab's supervisor stopped reporting rollout {status['id']} ({status['phase']}).",
                "Is the lab still running? `labctl status --local`",
            )
    return status
