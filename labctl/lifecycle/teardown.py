"""`labctl down`: the reaper's passes run from the laptop, then the control stack, then leftovers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3

from infra.lambdas.reaper import handler as reaper
from labctl.lifecycle import lab
from labctl.output import err_console

TIMEOUT_SECONDS = 3600  # CloudFront alone can take 15-20 minutes
POLL_SECONDS = 10.0


def destroy(
    sess: boto3.Session,
    name: str,
    region: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    quiet: bool = False,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Delete the lab's stacks in reverse deploy order, the control stack last; works after a partial deploy."""
    refs = [reaper.StackRef(n, r) for n, r in lab.managed(name, region).items()]
    control = reaper.StackRef(lab.control_name(name), region)
    cfg = reaper.ReaperConfig(
        lab=name, stacks=refs, control_stack=control, topic_arn="", tag_key="lab:name", poll_seconds=POLL_SECONDS
    )
    final = reaper.ReaperConfig(
        lab=name,
        stacks=[*refs, control],
        control_stack=reaper.StackRef("", region),
        topic_arn="",
        tag_key="lab:name",
        poll_seconds=POLL_SECONDS,
    )
    aws = reaper.Aws(region, session=sess)
    run = reaper.Run(invocation=1)
    waited = 0.0
    # The control stack goes last: while anything else stands, its timer is the safety net.
    for config in (cfg, final):
        while (outcome := reaper.reap_pass(aws, config, run)) == reaper.WAITING and waited < timeout:
            if not quiet:
                err_console.print(f"[dim]deleting... ({int(waited)} s)[/]")
            sleep(config.poll_seconds)
            waited += config.poll_seconds
        if outcome != reaper.DONE:
            status = "failed" if outcome == reaper.BLOCKED else "timed_out"
            return {"lab": name, "status": status, "failures": run.failures, "leftovers": []}
    return {"lab": name, "status": "deleted", "failures": run.failures, "leftovers": reaper.leftovers(aws, final)}
