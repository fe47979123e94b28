"""How the deploy's ECS blue/green deployment ended, read from the compute stack's CloudFormation events.

Input: `aws cloudformation describe-stack-events --output json` (newest event first). CloudFormation
updates the ECS service and waits for its deployment (green healthy, traffic shifted, the bake passed);
when ECS rolls back (an alarm or the circuit breaker) the service's update fails with ECS's reason and
the stack rolls back. Only the stack's last operation counts, so an unchanged service says so instead of
repeating an older deploy's result. Read-only: the deploy role may already read the lab's stack events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

STACK = "AWS::CloudFormation::Stack"
SERVICE = "AWS::ECS::Service"
STARTS = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS")


def _operation(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]] | None:
    """The events of the stack's last operation, oldest first; None when its start is not among them."""
    newest_first: list[Mapping[str, Any]] = []
    for event in events:
        newest_first.append(event)
        if (
            event.get("ResourceType") == STACK
            and event.get("LogicalResourceId") == event.get("StackName")
            and event.get("ResourceStatus") in STARTS
            and event.get("ResourceStatusReason") == "User Initiated"
        ):
            return newest_first[::-1]
    return None


def _seconds(first: Mapping[str, Any], last: Mapping[str, Any]) -> float | None:
    try:
        return (
            datetime.fromisoformat(str(last["Timestamp"])) - datetime.fromisoformat(str(first["Timestamp"]))
        ).total_seconds()
    except (KeyError, ValueError):
        return None


def _took(service: list[Mapping[str, Any]]) -> str:
    seconds = _seconds(service[0], service[-1])
    return f" (the service update took {int(seconds) // 60}m {int(seconds) % 60:02d}s)" if seconds is not None else ""


def outcome(doc: Mapping[str, Any] | None) -> str | None:
    """One line on the ECS deployment of the stack's last operation; None when the events cannot tell."""
    events = (doc or {}).get("StackEvents")
    if not isinstance(events, list):
        return None
    op = _operation([e for e in events if isinstance(e, Mapping)])
    if not op:
        return None
    stack = [e for e in op if e.get("ResourceType") == STACK and e.get("LogicalResourceId") == e.get("StackName")]
    final, created = str(stack[-1].get("ResourceStatus")), str(op[0].get("ResourceStatus")).startswith("CREATE")
    service = [e for e in op if e.get("ResourceType") == SERVICE]
    failed = [e for e in op if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    if final.endswith("_IN_PROGRESS") and "ROLLBACK" not in final:
        return f"in progress: the compute stack is {final}"
    if any(e in service for e in failed):
        why = next(str(e.get("ResourceStatusReason", "")) for e in failed if e in service)
        return f"rolled back: ECS returned traffic to the previous revision; ECS said: {why}"
    if failed:
        first = failed[0]
        return (
            f"rolled back: {first.get('LogicalResourceId')} failed ({first.get('ResourceStatusReason', '')}); "
            f"the compute stack is {final}"
        )
    if not service:
        return "no new revision: this deploy did not change the ECS service (same image and settings)"
    if created:
        return "first deploy: one revision, nothing to shift traffic from" + _took(service)
    if service[-1].get("ResourceStatus") == "UPDATE_COMPLETE" and final == "UPDATE_COMPLETE":
        return "promoted: ECS shifted traffic to the new revision and the bake passed" + _took(service)
    return f"compute stack is {final}, the ECS service {service[-1].get('ResourceStatus')}"
