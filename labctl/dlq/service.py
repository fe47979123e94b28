"""`labctl dlq list` and `labctl dlq redrive`: resolve where the queues are, then inspect or move."""

from __future__ import annotations

from dataclasses import dataclass

from labctl.dlq import ops, queues
from labctl.dlq.ops import DlqReport, RedriveResult
from labctl.output import JsonDoc


@dataclass(frozen=True)
class Where:
    """The queue options both commands take."""

    local: bool = False
    endpoint_url: str | None = None  # implies local (a moto server, say)
    queue: str | None = None  # a contract key or a queue name; None: every lab queue
    prefix: str = ""
    region: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class Listing:
    reports: list[DlqReport]

    def to_json(self) -> JsonDoc:
        return {"dlqs": [r.as_dict() for r in self.reports]}


@dataclass(frozen=True)
class Redriven:
    results: list[RedriveResult]

    def to_json(self) -> JsonDoc:
        return {"redriven": [r.as_dict() for r in self.results]}


def target(where: Where) -> queues.Target:
    """The local lab's (or --endpoint-url's) queues, else AWS in the given or the profile's region."""
    if where.local or where.endpoint_url:
        found = queues.local_target(where.endpoint_url)
        return queues.Target(found.region, found.endpoint_url, None, where.prefix, found.known_urls)
    import boto3

    region = where.region or boto3.Session(profile_name=where.profile).region_name or "us-east-1"
    return queues.Target(region, None, where.profile, where.prefix)


def list_dlqs(where: Where) -> Listing:
    """Each DLQ: message count, age of the oldest sampled message, a sample body."""
    at = target(where)
    sqs = queues.sqs_client(at)
    return Listing([ops.inspect(sqs, pair) for pair in queues.discover(sqs, at, where.queue)])


def redrive(where: Where) -> Redriven:
    """Move each DLQ's messages back to its source queue."""
    at = target(where)
    # One attempt only: an endpoint without StartMessageMoveTask answers 500, retrying will not help.
    sqs = queues.sqs_client(at, max_attempts=1)
    pairs = queues.discover(sqs, at, where.queue)
    return Redriven([ops.redrive(sqs, pair, prefer_move_task=not at.local) for pair in pairs])
