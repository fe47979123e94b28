"""Find the lab's queue pairs (source queue -> its dead-letter queue), locally or on AWS.

Local: the running lab's state file (labctl/local/state.py) names the endpoint and every queue URL,
or --endpoint-url points at any SQS endpoint. AWS: queues whose name starts with the lab prefix and
ends with a contract queue name; each one's RedrivePolicy names its DLQ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from labctl.output import LabError
from labctl.paths import CONTRACTS_DIR

CONTRACTS = CONTRACTS_DIR / "queues.json"


@dataclass(frozen=True)
class Target:
    """Where the queues live: an endpoint (local lab, moto) or AWS (endpoint None)."""

    region: str
    endpoint_url: str | None = None
    profile: str | None = None
    prefix: str = ""
    known_urls: tuple[str, ...] = ()  # the local lab's queue URLs (state file): no listing needed

    @property
    def local(self) -> bool:
        return self.endpoint_url is not None


@dataclass(frozen=True)
class QueuePair:
    key: str  # contract key, e.g. hold_expiry
    name: str
    url: str
    arn: str
    dlq_name: str
    dlq_url: str
    dlq_arn: str
    max_receive_count: int


def contract_queues() -> list[dict[str, Any]]:
    queues: list[dict[str, Any]] = json.loads(CONTRACTS.read_text())["queues"]
    return queues


def sqs_client(target: Target, *, max_attempts: int = 3) -> Any:
    """A boto3 SQS client for target (dummy credentials for a local endpoint)."""
    import boto3
    from botocore.config import Config

    retries: Any = {"mode": "standard", "total_max_attempts": max_attempts}
    config = Config(connect_timeout=3, read_timeout=10, retries=retries)
    if target.local:
        return boto3.client(
            "sqs",
            region_name=target.region,
            endpoint_url=target.endpoint_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - a local emulator's placeholder, not a secret
            config=config,
        )
    session = boto3.Session(profile_name=target.profile, region_name=target.region)
    return session.client("sqs", config=config)


def local_target(endpoint_url: str | None) -> Target:
    """The local lab's SQS endpoint: --endpoint-url, else the running lab's state file."""
    if endpoint_url:
        return Target(region="us-east-1", endpoint_url=endpoint_url)
    from labctl.local.running import require_running

    lab = require_running(otherwise="pass --endpoint-url of an SQS endpoint")
    return Target(region=lab.region, endpoint_url=lab.endpoints["sqs"], known_urls=tuple(lab.queues.values()))


def _name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def discover(sqs: Any, target: Target, only: str | None = None) -> list[QueuePair]:
    """Every contract queue found at target with its DLQ (via RedrivePolicy); only = a key or a name."""
    pairs: list[QueuePair] = []
    urls = list(target.known_urls)
    if not urls:
        kwargs = {"QueueNamePrefix": target.prefix} if target.prefix else {}
        urls = sqs.list_queues(**kwargs).get("QueueUrls", [])
    for q in contract_queues():
        for url in urls:
            name = _name(url)
            if not name.endswith(q["name"]) or (only is not None and only not in (q["key"], q["name"], name)):
                continue
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
            if "RedrivePolicy" not in attrs:
                continue
            policy = json.loads(attrs["RedrivePolicy"])
            dlq_arn = str(policy["deadLetterTargetArn"])
            dlq_name = dlq_arn.rsplit(":", 1)[-1]
            dlq_url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
            receives = int(policy["maxReceiveCount"])
            pairs.append(QueuePair(q["key"], name, url, attrs["QueueArn"], dlq_name, dlq_url, dlq_arn, receives))
    if not pairs:
        where = target.endpoint_url or f"AWS {target.region}"
        raise LabError(
            "queues_not_found",
            f"No queue with a dead-letter queue matches {only or 'the lab queues'} at {where}"
            + (f" (name prefix {target.prefix!r})." if target.prefix else "."),
            "Check --queue (hold_expiry, booking_events), --prefix (the lab name + '-') or the region.",
        )
    return pairs
