"""The lab's reaper: EventBridge Scheduler invokes it at expiry; it deletes the lab's stacks.

Plain boto3 (the Lambda runtime's copy), no labctl or api imports. One invocation makes passes
(`passes.reap_pass`) until every stack is gone, the deadline passes, or its own time runs short;
then it records where it stands and re-invokes itself asynchronously with its state in the event
(CloudFront alone can take longer to delete than one 15-minute invocation). Its last outcome goes
to an SSM parameter (`labctl status` reads it) and to the lab's topic. A crash is recorded too and
re-raised: Lambda retries, then hands the event to the on-failure queue, whose alarm e-mails.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import outcome
from .clients import Aws
from .model import PassResult, ReaperConfig, State, parse_iso
from .passes import Notify, collect_assets, leftovers, reap_pass, stack_status

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
Clock = Callable[[], datetime]
DONE, DEADLINE, HANDOVER = "done", "deadline", "handover"


def utcnow() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def drive(
    aws: Aws,
    cfg: ReaperConfig,
    state: State,
    *,
    notify: Notify,
    time_left_ms: Callable[[], float],
    clock: Clock = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    on_pass: Callable[[PassResult, float], None] | None = None,
) -> tuple[str, PassResult]:
    """Passes until every stack is gone (done), the deadline is reached, or time runs short (handover)."""
    deadline = parse_iso(state.started_at) + cfg.deadline
    if not state.assets:  # read once, while the templates still exist: `labctl down --purge-assets` uses them
        statuses = {ref.name: stack_status(aws.cfn(ref.region), ref.name) for ref in cfg.stacks}
        state.assets = collect_assets(aws, cfg, statuses)
    while True:
        now = clock()
        result = reap_pass(aws, cfg, state, now, notify)
        LOG.info("pass %s", json.dumps({"statuses": result.statuses, "deleting": result.deleting}))
        if on_pass is not None:
            on_pass(result, (now - parse_iso(state.started_at)).total_seconds())
        if result.done:
            return DONE, result
        if now >= deadline:
            return DEADLINE, result
        if time_left_ms() < cfg.reserve_ms + cfg.poll_seconds * 1000:
            return HANDOVER, result
        sleep(_pause(cfg, result, now, deadline, time_left_ms()))


def _pause(cfg: ReaperConfig, result: PassResult, now: datetime, deadline: datetime, left_ms: float) -> float:
    """Poll while CloudFormation works; when only backoffs remain, sleep until the first retry is due.

    Never past the deadline, nor into the time kept for handing over."""
    pause = cfg.poll_seconds
    if not result.busy and result.retries:
        pause = max(1.0, (min(result.retries) - now).total_seconds())
    budget = (left_ms - cfg.reserve_ms) / 1000 - cfg.poll_seconds
    return min(pause, max(cfg.poll_seconds, budget), (deadline - now).total_seconds())


def run_reaper(
    aws: Aws,
    cfg: ReaperConfig,
    event: Mapping[str, Any],
    remaining_ms: Callable[[], int],
    function_name: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = utcnow,
) -> dict[str, Any]:
    """Reap until done, past the deadline, or out of time (then hand over); returns what happened."""
    state = State.from_event(event, clock())
    notify = partial(outcome.notify, aws, cfg)
    how, result = drive(aws, cfg, state, notify=notify, time_left_ms=remaining_ms, clock=clock, sleep=sleep)
    now = clock()
    if how == HANDOVER:
        outcome.record(aws, cfg, outcome.build(cfg, state, outcome.RUNNING, now, result))
        state.invocation += 1
        aws.lambda_().invoke(
            FunctionName=function_name, InvocationType="Event", Payload=json.dumps(state.as_event()).encode()
        )
        return {"status": "continuing", "invocation": state.invocation, "attempts": state.attempts}
    left = leftovers(aws, cfg) if how == DONE else []
    status = outcome.DELETED if how == DONE and not left else outcome.FAILED
    record = outcome.build(cfg, state, status, now, result, leftovers=left)
    outcome.record(aws, cfg, record)
    notify(_subject(cfg, status, result, left), {"event": status, **record})
    if status == outcome.DELETED:  # keep the topic, the queue and the budget while something still bills
        aws.cfn(cfg.control_stack.region).delete_stack(StackName=cfg.control_stack.name)
    return {"status": status, "leftovers": left, "failures": record["failures"], "attempts": state.attempts}


def _subject(cfg: ReaperConfig, status: str, result: PassResult, left: list[str]) -> str:
    if status == outcome.DELETED:
        return f"[{cfg.lab}] lab deleted"
    if left:
        return f"[{cfg.lab}] stacks deleted, {len(left)} tagged resources remain"
    stuck = ", ".join(f"{f.stack} {f.logical_id}" for f in result.failures) or ", ".join(result.waiting)
    return f"[{cfg.lab}] reaper failed: {stuck}"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (Scheduler target, or this function's own asynchronous re-invocation)."""
    cfg = ReaperConfig.from_env(os.environ)
    aws = Aws(cfg.control_stack.region)
    try:
        result = run_reaper(
            aws,
            cfg,
            event,
            remaining_ms=context.get_remaining_time_in_millis,
            function_name=context.function_name,
        )
    except (ClientError, BotoCoreError) as err:
        now = utcnow()
        crashed = outcome.build(cfg, State.from_event(event, now), outcome.ERROR, now, error=str(err)[:500])
        try:
            outcome.record(aws, cfg, crashed)
        except (ClientError, BotoCoreError):
            LOG.exception("could not record the crash")
        raise  # Lambda retries twice, then the event goes to the on-failure queue (alarmed)
    LOG.info("result %s", json.dumps(result, default=str))
    return result
