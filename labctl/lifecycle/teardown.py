"""`labctl down`: the reaper's own logic run from the laptop, the control stack last.

The same passes as the Lambda (`infra.lambdas.reaper`): every stack whose dependents are gone is
deleted at once, a DELETE_FAILED stack is unblocked and retried with backoff until the deadline,
then anything still tagged with the lab is listed. The outcome goes to the same SSM parameter,
so `labctl status` afterwards tells what `down` did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.config import web_bucket_name
from infra.lambdas.reaper import outcome
from infra.lambdas.reaper.clients import Aws
from infra.lambdas.reaper.handler import DONE, drive
from infra.lambdas.reaper.model import PassResult, ReaperConfig, StackRef, State, iso
from infra.lambdas.reaper.passes import leftovers
from labctl.lifecycle import lab
from labctl.output import err_console

TIMEOUT_SECONDS = 3600  # CloudFront alone can take 15-20 minutes
POLL_SECONDS = 10.0


@dataclass
class DownResult:
    """What `down` did: deleted, or what is stuck and why; what it found still tagged; the assets it read."""

    lab: str
    status: str  # deleted | failed
    stacks: dict[str, str] = field(default_factory=dict)  # still standing -> status
    failures: list[dict[str, str]] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    assets: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "status": self.status,
            "stacks": self.stacks,
            "failures": self.failures,
            "waiting": self.waiting,
            "leftovers": self.leftovers,
            "fixes": self.fixes,
        }


def config(name: str, region: str, account: str, timeout: float) -> ReaperConfig:
    """The reaper's configuration for `down`: every stack of both modes, the control stack depending on all."""
    deps = lab.dependencies(name, region)
    stacks = [StackRef(n, r, tuple(deps[n])) for n, r in lab.layout(name, region).items()]
    return ReaperConfig(
        lab=name,
        stacks=stacks,
        control_stack=StackRef("", region),  # nothing is spared: the control stack is one of `stacks`
        buckets=(web_bucket_name(name, account),),
        poll_seconds=POLL_SECONDS,
        deadline=timedelta(seconds=timeout),
        by="labctl down",
    )


def destroy(
    sess: boto3.Session,
    name: str,
    region: str,
    account: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    quiet: bool = False,
    timeout: float | None = None,
) -> DownResult:
    """Delete the lab's stacks in dependency order (works after a partial deploy); record the outcome."""
    cfg = config(name, region, account, TIMEOUT_SECONDS if timeout is None else timeout)
    aws = Aws(region, session=sess)
    state = State(started_at=iso(clock()))

    def progress(result: PassResult, elapsed: float) -> None:
        if not quiet and not result.done:
            left = ", ".join(f"{n} {s}" for n, s in result.statuses.items() if s != "GONE")
            err_console.print(f"[dim]deleting ({int(elapsed)} s): {left}[/]")

    def say(subject: str, body: dict[str, Any]) -> None:
        if not quiet:
            err_console.print(f"[yellow]{subject}[/]")

    how, result = drive(
        aws, cfg, state, notify=say, time_left_ms=lambda: float("inf"), clock=clock, sleep=sleep, on_pass=progress
    )
    left = leftovers(aws, cfg) if how == DONE else []
    status = outcome.DELETED if how == DONE and not left else outcome.FAILED
    record = outcome.build(cfg, state, status, clock(), result, leftovers=left)
    outcome.record(aws, cfg, record)
    return DownResult(
        lab=name,
        status=status,
        stacks=record["stacks"],
        failures=record["failures"],
        waiting=record["waiting"],
        leftovers=left,
        fixes=state.fixes,
        assets=state.assets,
    )
