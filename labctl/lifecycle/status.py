"""`labctl status` on AWS: stacks, time left, cost so far, and what the reaper last did.

A failed reaper is the one status that must never look fine: each stuck resource is printed as
`reaper failed: <stack> <resource> <reason>, still costing $X/h` and the command exits 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.lambdas.reaper import outcome
from infra.lambdas.reaper.model import outcome_parameter, parse_iso
from labctl.cost.leftovers import arns_usd_hour
from labctl.lifecycle import lab
from labctl.output import LabError

FAILED = (outcome.FAILED, outcome.ERROR)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def gather(sess: boto3.Session, name: str, region: str, now: datetime) -> dict[str, Any]:
    """The status document (the --json shape); `reaper` is the last outcome when it still applies."""
    from labctl.cost.estimate import estimate

    infos = lab.describe(sess, name, region)
    live = [i for i in infos if i.status != "NOT_FOUND"]
    schedule = lab.get_schedule(sess, name, region)
    expires = lab.parse_at(schedule["ScheduleExpression"]) if schedule else None
    accrued = per_hour = None
    if live:
        started = min((i.created for i in live if i.created), default=now)
        elapsed = max(0.0, (now - started).total_seconds() / 3600)
        est = estimate(lab.templates(sess, live), region=region, ttl_hours=elapsed, requests=0)
        accrued, per_hour = est.fixed_usd, est.per_hour_usd
    reaper = last_outcome(sess, name, region, infos)
    if reaper is not None:
        reaper["still_costing_usd_per_hour"] = round((per_hour or 0.0) + arns_usd_hour(reaper["leftovers"], region), 6)
    return {
        "lab": name,
        "region": region,
        "deployed": bool(live),
        "stacks": [i.as_dict() for i in infos],
        "expires_at": _iso(expires) if expires else None,
        "seconds_left": int((expires - now).total_seconds()) if expires else None,
        "per_hour_usd": per_hour,
        "accrued_usd": accrued,
        "reaper": reaper,
    }


def last_outcome(sess: boto3.Session, name: str, region: str, infos: list[lab.StackInfo]) -> dict[str, Any] | None:
    """The last outcome, unless the lab was deployed again since (its control stack is newer)."""
    try:
        found = outcome.read(sess.client("ssm", region_name=region), name)
    except ClientError as err:
        raise LabError(
            "reaper_outcome_unreadable",
            f"Cannot read {outcome_parameter(name)} in {region}: {err}",
            "The credentials need ssm:GetParameter on it (it says whether the reaper deleted the lab).",
        ) from None
    if found is None:
        return None
    control = next((i for i in infos if i.name == lab.control_name(name) and i.status != "NOT_FOUND"), None)
    if control is not None and control.created is not None and control.created > parse_iso(found["at"]):
        return None
    return found


def failed(status: dict[str, Any]) -> bool:
    """True when the reaper's last outcome is a failure (the command then exits 1)."""
    reaper = status.get("reaper")
    return reaper is not None and reaper["status"] in FAILED


def reaper_lines(reaper: dict[str, Any]) -> list[str]:
    """What the reaper did, one line per stuck resource when it failed."""
    cost = f"still costing ${reaper['still_costing_usd_per_hour']:.4f}/h"
    when = f"at {reaper['at']} ({reaper['by']})"
    if reaper["status"] == outcome.DELETED:
        return [f"lab deleted {when}"]
    if reaper["status"] == outcome.RUNNING:
        left = ", ".join(f"{n} {s}" for n, s in reaper["stacks"].items()) or "none"
        return [f"reaper running since {reaper['started_at']} (invocation {reaper['invocation']}); stacks left: {left}"]
    if reaper["status"] == outcome.ERROR:
        return [f"reaper failed: crashed {when}: {reaper.get('error', 'unknown error')}, {cost}"]
    lines = []
    for f in reaper["failures"]:
        blocker = f"; {f['blocker']}" if f.get("blocker") else ""
        lines.append(f"reaper failed: {f['stack']} {f['logical_id']} ({f['type']}) {f['reason']}{blocker}, {cost}")
    stuck = {f["stack"] for f in reaper["failures"]}
    for stack, why in reaper["waiting"].items():
        if stack not in stuck and not why.startswith("waits for"):
            lines.append(f"reaper failed: {stack} still {why} at the deadline, {cost}")
    lines += [f"reaper failed: {arn} still exists (tagged with the lab), {cost}" for arn in reaper["leftovers"]]
    return lines or [f"reaper failed {when}, {cost}"]
