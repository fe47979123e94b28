"""The deploy job's summary (Markdown for $GITHUB_STEP_SUMMARY) from the JSON the steps wrote.

Inputs, each optional because an earlier step may have failed: `labctl up --json` (plan, URLs,
expiry, estimate - or an error envelope), the compute stack's CloudFormation events (how the ECS
blue/green deployment ended: bluegreen.py), `labctl status --json` (the compute stack's final state,
the fallback when the events cannot tell) and `labctl cicd smoke --json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labctl.cicd import bluegreen

# How the compute stack ended says how ECS blue/green ended: CloudFormation waits for the ECS
# deployment (shift, bake) and fails the update when ECS rolled back on an alarm or the circuit breaker.
BLUE_GREEN = {
    "CREATE_COMPLETE": "first deploy: one revision, nothing to shift traffic from",
    "UPDATE_COMPLETE": "promoted: traffic shifted to the new revision, the bake passed",
    "UPDATE_ROLLBACK_COMPLETE": "rolled back: ECS returned traffic to the previous revision (alarm or circuit breaker)",
    "UPDATE_ROLLBACK_FAILED": "rollback failed: see the stack events of the compute stack",
    "ROLLBACK_COMPLETE": "first deploy failed and was rolled back",
}


@dataclass(frozen=True)
class Outcome:
    """What the summary says: `ok` is False when the deploy or the smoke test failed."""

    ok: bool
    markdown: str

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "markdown": self.markdown}


def _error(doc: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if doc is None:
        return None
    error = doc.get("error")
    return error if isinstance(error, Mapping) else None


def blue_green(
    up: Mapping[str, Any] | None, status: Mapping[str, Any] | None, events: Mapping[str, Any] | None = None
) -> str:
    """One line on the ECS blue/green deployment: from the stack's events, else its final status."""
    compute = (up or {}).get("compute")
    if compute == "lambda":
        return "not applicable: lambda mode replaces the functions' code (no blue/green)"
    if found_in_events := bluegreen.outcome(events):
        return found_in_events
    stacks = (status or {}).get("stacks") or []
    found = [s for s in stacks if str(s.get("name", "")).endswith("-compute")]
    if not found or found[0].get("status") in (None, "NOT_FOUND"):
        return "unknown: the compute stack was not found"
    state = str(found[0]["status"])
    return BLUE_GREEN.get(state, f"compute stack is {state}")


def _money(value: Any) -> str:
    return f"${float(value):.2f}" if isinstance(value, int | float) else "?"


def render(
    up: Mapping[str, Any] | None,
    smoke: Mapping[str, Any] | None,
    status: Mapping[str, Any] | None,
    *,
    image: str = "",
    events: Mapping[str, Any] | None = None,
) -> Outcome:
    """The job summary; says plainly what failed and that the self-destruct timer stays armed."""
    up_error, smoke_ok = _error(up), bool(smoke and smoke.get("ok"))
    deployed = up is not None and up_error is None
    ok = deployed and smoke_ok
    lab = (up or {}).get("lab") or "lab"
    title = f"## {'✅' if ok else '❌'} `{lab}` " + ("deployed and smoke-tested" if ok else "deploy needs attention")
    rows: list[tuple[str, str]] = []
    if deployed and up is not None:
        est = up.get("estimate") or {}
        rows += [
            ("Demo URL", str(up.get("demo_url") or "?")),
            ("Compute, region", f"{up.get('compute', '?')}, {up.get('region', '?')}"),
            ("Expires (self-destruct)", str(up.get("expires_at") or "?")),
            (
                "Estimated cost",
                f"{_money(est.get('per_hour_usd'))}/h, {_money(est.get('total_usd'))} "
                f"for {est.get('ttl_hours', '?')} h (list prices, {est.get('requests', 0)} requests)",
            ),
        ]
    elif up_error is not None:
        rows.append(("Deploy", f"failed: `{up_error.get('code')}` {up_error.get('message', '')}".strip()))
    else:
        rows.append(("Deploy", "did not report (see the step log)"))
    if image:
        rows.append(("Image", f"`{image}`"))
    rows.append(("Blue/green", blue_green(up, status, events)))
    rows.append(("Smoke test", _smoke_line(smoke)))
    lines = [title, "", "| | |", "| --- | --- |", *[f"| {k} | {v.replace('|', '/')} |" for k, v in rows]]
    if not ok:
        expiry = (up or {}).get("expires_at") or (status or {}).get("expires_at")
        until = f" until {expiry}" if expiry else ""
        lines += [
            "",
            f"**Whatever was deployed stays up{until}: the self-destruct timer is armed.** Fix and run the "
            "deploy again, or tear it down now with the destroy workflow (or `labctl down`).",
        ]
    return Outcome(ok=ok, markdown="\n".join(lines) + "\n")


def _smoke_line(smoke: Mapping[str, Any] | None) -> str:
    if smoke is None:
        return "did not run"
    steps = smoke.get("steps") or []
    total_ms = sum(float(s.get("ms", 0)) for s in steps)
    if smoke.get("ok"):
        return f"booked seat {smoke.get('seat')} (reference {smoke.get('reference')}) in {total_ms / 1000:.1f} s"
    failed: Mapping[str, Any] = next((s for s in steps if not s.get("ok")), {})
    status = f" (HTTP {failed['status']})" if failed.get("status") else ""
    return f"failed at `{smoke.get('failed_step')}`{status}: {failed.get('detail', '')}".strip()
