"""The reaper's last outcome, kept in an SSM parameter outside every stack, and its messages.

`labctl status` reads the parameter: it outlives the control stack, so after the lab is gone it
still says who deleted it and when, and after a failure which resource is stuck and why.
A standard parameter is free and holds 4 KB: the record is trimmed to fit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .model import GONE, PassResult, ReaperConfig, State, iso, outcome_parameter

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from .clients import Aws

LOG = logging.getLogger(__name__)
MAX_CHARS = 4096  # the standard tier's limit
RUNNING, DELETED, FAILED, ERROR = "running", "deleted", "failed", "error"


def build(
    cfg: ReaperConfig,
    state: State,
    status: str,
    now: datetime,
    result: PassResult | None = None,
    *,
    leftovers: list[str] | None = None,
    error: str = "",
) -> dict[str, Any]:
    """One outcome record: what is left, what blocks it, what was fixed."""
    record: dict[str, Any] = {
        "lab": cfg.lab,
        "status": status,
        "at": iso(now),
        "by": cfg.by,
        "started_at": state.started_at,
        "invocation": state.invocation,
        "stacks": {n: s for n, s in (result.statuses if result else {}).items() if s != GONE},
        "waiting": dict(result.waiting) if result else {},
        "failures": [asdict(f) for f in (result.failures if result else [])],
        "leftovers": list(leftovers or []),
        "fixes": list(state.fixes),
        "assets": state.assets,
    }
    if error:
        record["error"] = error
    return fit(record)


def fit(record: dict[str, Any]) -> dict[str, Any]:
    """Trim the record until it fits a standard parameter: oldest fixes, then long lists, then assets."""
    out: dict[str, Any] = json.loads(json.dumps(record, default=str))
    for trim in (_recent_fixes, _short_reasons, _few_items, _no_assets, _first_failure):
        if len(json.dumps(out)) <= MAX_CHARS:
            break
        trim(out)
        out["trimmed"] = True
    return out


def _recent_fixes(r: dict[str, Any]) -> None:
    r["fixes"] = r["fixes"][-3:]


def _short_reasons(r: dict[str, Any]) -> None:
    r["failures"] = [{**f, "reason": f["reason"][:120], "blocker": f["blocker"][:120]} for f in r["failures"]]


def _few_items(r: dict[str, Any]) -> None:
    r["leftovers"], r["failures"] = r["leftovers"][:5], r["failures"][:5]


def _no_assets(r: dict[str, Any]) -> None:
    r["assets"], r["fixes"] = {}, []


def _first_failure(r: dict[str, Any]) -> None:
    r["waiting"], r["failures"] = {}, r["failures"][:1]


def record(aws: Aws, cfg: ReaperConfig, outcome: dict[str, Any]) -> None:
    """Overwrite the lab's outcome parameter."""
    aws.ssm().put_parameter(
        Name=outcome_parameter(cfg.lab),
        Description=f"last outcome of lab {cfg.lab}'s reaper (labctl status reads it)",
        Value=json.dumps(outcome, separators=(",", ":")),
        Type="String",
        Tier="Standard",
        Overwrite=True,
    )


def read(ssm: SSMClient, lab: str) -> dict[str, Any] | None:
    """The last outcome, or None when the lab never ran its reaper here."""
    try:
        value = ssm.get_parameter(Name=outcome_parameter(lab))["Parameter"].get("Value", "")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    parsed: dict[str, Any] = json.loads(value)
    return parsed


def notify(aws: Aws, cfg: ReaperConfig, subject: str, body: dict[str, Any]) -> None:
    """Publish one message to the lab's topic (e-mail to the learner's alert address)."""
    message = json.dumps({"lab": cfg.lab, **body}, indent=2, default=str)
    LOG.info("notify %s %s", subject, message)
    if not cfg.topic_arn:  # `labctl down` reports on the terminal instead
        return
    try:
        aws.sns().publish(TopicArn=cfg.topic_arn, Subject=subject[:100], Message=message)
    except ClientError:  # the outcome parameter holds the truth; a lost e-mail must not stop the reaping
        LOG.exception("could not publish to %s", cfg.topic_arn)
