"""What the reaper knows (its configuration), what it carries between invocations, what it reports.

Plain dataclasses and the standard library: the Lambda runtime and `labctl down` share them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

GONE = "GONE"
# Statuses a stack can be deleted from. REVIEW_IN_PROGRESS is a stack whose change set never ran
# (Ctrl-C during `up`): it holds no resources and never leaves that state by itself.
DELETABLE = frozenset(
    {
        "CREATE_COMPLETE",
        "CREATE_FAILED",
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_FAILED",
        "REVIEW_IN_PROGRESS",
    }
)
DELETE_FAILED = "DELETE_FAILED"
OUTCOME_PARAMETER = "/labctl/{lab}/reaper-outcome"  # an SSM parameter the reaper writes, outside any stack


def outcome_parameter(lab: str) -> str:
    """The SSM parameter holding the lab's last reaper outcome (read by `labctl status`)."""
    return OUTCOME_PARAMETER.format(lab=lab)


def is_waiting(status: str) -> bool:
    """A stack CloudFormation is working on: deleting, or still being deployed."""
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


@dataclass(frozen=True)
class StackRef:
    """One stack of the lab, its region and the stacks it depends on (it must go before them)."""

    name: str
    region: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReaperConfig:
    """What the reaper deletes, what it may touch and whom it tells; read from the function's environment."""

    lab: str
    stacks: list[StackRef]  # deploy order
    control_stack: StackRef
    topic_arn: str = ""
    buckets: tuple[str, ...] = ()  # the lab's own buckets, by exact name: the only ones it empties
    tag_key: str = "lab:name"
    poll_seconds: float = 20.0
    reserve_ms: int = 90_000
    deadline: timedelta = timedelta(hours=2)  # from the first invocation; then it reports failure
    backoff_first: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=10)
    by: str = "reaper"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReaperConfig:
        """Parse the environment the LabControl stack sets on the function."""
        stacks = [StackRef(s["name"], s["region"], tuple(s.get("depends_on", []))) for s in json.loads(env["STACKS"])]
        return cls(
            lab=env["LAB_NAME"],
            stacks=stacks,
            control_stack=StackRef(env["CONTROL_STACK_NAME"], env.get("AWS_REGION", "us-east-1")),
            topic_arn=env.get("TOPIC_ARN", ""),
            buckets=tuple(json.loads(env.get("BUCKETS", "[]"))),
            tag_key=env.get("TAG_KEY", "lab:name"),
            poll_seconds=float(env.get("POLL_SECONDS", "20")),
            deadline=timedelta(minutes=float(env.get("DEADLINE_MINUTES", "120"))),
        )

    def dependents(self, name: str) -> list[str]:
        """The stacks that depend on `name`: they must be gone before it can be deleted."""
        return [s.name for s in self.stacks if name in s.depends_on]

    def backoff(self, attempt: int) -> timedelta:
        """Wait before retry `attempt` (1, 2, ...): doubling from backoff_first, capped at backoff_max."""
        return min(self.backoff_first * (1 << max(0, attempt - 1)), self.backoff_max)


def iso(moment: datetime) -> str:
    """UTC, second precision, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """The inverse of iso()."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class State:
    """What one invocation hands to the next: when reaping began, and the retries per stack."""

    started_at: str
    invocation: int = 1
    attempts: dict[str, int] = field(default_factory=dict)
    retry_at: dict[str, str] = field(default_factory=dict)  # earliest next delete per DELETE_FAILED stack
    fixes: list[str] = field(default_factory=list)
    assets: dict[str, list[str]] = field(default_factory=dict)  # CDK asset references, read before deleting

    @classmethod
    def from_event(cls, event: Mapping[str, Any], now: datetime) -> State:
        """The state in a re-invocation's event, or a fresh one (the schedule's event)."""
        return cls(
            started_at=str(event.get("started_at") or iso(now)),
            invocation=int(event.get("invocation", 1)),
            attempts={str(k): int(v) for k, v in dict(event.get("attempts", {})).items()},
            retry_at={str(k): str(v) for k, v in dict(event.get("retry_at", {})).items()},
            fixes=[str(f) for f in event.get("fixes", [])],
            assets={str(k): [str(x) for x in v] for k, v in dict(event.get("assets", {})).items()},
        )

    def as_event(self) -> dict[str, Any]:
        """The payload of the next invocation."""
        return asdict(self)


@dataclass(frozen=True)
class Failure:
    """A resource that stops its stack from being deleted, and why (as far as the reaper could tell)."""

    stack: str
    logical_id: str
    type: str
    physical_id: str
    reason: str
    blocker: str = ""  # what holds it, when found: an ENI in use, a bucket of another owner ...

    def describe(self) -> str:
        """`<stack> <logical id> (<type>): <reason>[; <blocker>]` on one line."""
        text = f"{self.stack} {self.logical_id} ({self.type}): {self.reason}"
        return f"{text}; {self.blocker}" if self.blocker else text


@dataclass
class PassResult:
    """What one pass over the stacks saw and did."""

    statuses: dict[str, str]
    deleting: list[str] = field(default_factory=list)  # DeleteStack called in this pass
    waiting: dict[str, str] = field(default_factory=dict)  # stack -> why it is not deleted yet
    failures: list[Failure] = field(default_factory=list)
    retries: list[datetime] = field(default_factory=list)  # when stacks in backoff may be retried

    @property
    def done(self) -> bool:
        """Every stack is gone."""
        return all(status == GONE for status in self.statuses.values())

    @property
    def busy(self) -> bool:
        """CloudFormation is working on a stack (deleting, or still deploying): worth polling."""
        return bool(self.deleting) or any(is_waiting(s) for s in self.statuses.values())
