"""What `labctl dlq list` and `labctl dlq redrive` do, on boto3.

Redrive uses SQS StartMessageMoveTask where the endpoint has it (AWS); moto 5.x does not implement it
(checked: HTTP 500 "not been implemented"), so locally, or when the API is refused, messages are moved
by receive -> send to the source queue -> delete from the DLQ (a message is deleted only once sent).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from labctl.dlq.queues import QueuePair
from labctl.output import LabError

PEEK_ROUNDS = 10  # receive calls used to sample a DLQ (up to 100 distinct messages)
SAMPLE_CHARS = 200
COPY_VISIBILITY_S = 60  # a message being moved is hidden this long; if we crash it reappears in the DLQ


@dataclass(frozen=True)
class DlqReport:
    queue: str
    dlq: str
    dlq_url: str
    messages: int  # visible + in flight
    oldest_age_seconds: float | None  # from the sampled messages' SentTimestamp (approximate)
    sampled: int
    sample_body: str | None
    max_receive_count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RedriveResult:
    queue: str
    dlq: str
    method: str  # move_task | copy
    moved: int  # copy: messages moved; move_task: messages SQS says it will move
    task_handle: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sqs_error(action: str, err: ClientError | BotoCoreError) -> LabError:
    return LabError(
        "sqs_unavailable",
        f"SQS {action} failed: {err}",
        "Check that the lab is up (`labctl status`) and your AWS credentials and region.",
    )


def inspect(sqs: Any, pair: QueuePair, *, now: float | None = None) -> DlqReport:
    """Count a DLQ's messages and sample them (peeked with VisibilityTimeout 0: they stay put)."""
    now = time.time() if now is None else now
    try:
        attrs = sqs.get_queue_attributes(
            QueueUrl=pair.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(PEEK_ROUNDS):
            res = sqs.receive_message(
                QueueUrl=pair.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["SentTimestamp"],
            )
            fresh = [m for m in res.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update({m["MessageId"]: m for m in fresh})
    except (ClientError, BotoCoreError) as err:
        raise _sqs_error("ReceiveMessage", err) from err
    count = sum(int(attrs.get(k, 0)) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
    oldest = min(seen.values(), key=lambda m: int(m["Attributes"]["SentTimestamp"]), default=None)
    return DlqReport(
        queue=pair.name,
        dlq=pair.dlq_name,
        dlq_url=pair.dlq_url,
        messages=count,
        oldest_age_seconds=round(now - int(oldest["Attributes"]["SentTimestamp"]) / 1000, 1) if oldest else None,
        sampled=len(seen),
        sample_body=oldest["Body"][:SAMPLE_CHARS] if oldest else None,
        max_receive_count=pair.max_receive_count,
    )


def redrive(sqs: Any, pair: QueuePair, *, prefer_move_task: bool) -> RedriveResult:
    """Move every message of pair's DLQ back to its source queue."""
    if prefer_move_task:
        try:
            res = sqs.start_message_move_task(SourceArn=pair.dlq_arn, DestinationArn=pair.arn)
            count = sqs.get_queue_attributes(QueueUrl=pair.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
            moving = int(count["Attributes"].get("ApproximateNumberOfMessages", 0))
            return RedriveResult(pair.name, pair.dlq_name, "move_task", moving, str(res.get("TaskHandle")))
        except ClientError:
            pass  # not implemented by this endpoint, or refused: fall back to copying
    return RedriveResult(pair.name, pair.dlq_name, "copy", _copy_back(sqs, pair))


def _copy_back(sqs: Any, pair: QueuePair) -> int:
    moved = 0
    try:
        while True:
            res = sqs.receive_message(
                QueueUrl=pair.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=COPY_VISIBILITY_S,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            )
            messages = res.get("Messages", [])
            if not messages:
                return moved
            entries = [
                {"Id": str(n), "MessageBody": m["Body"]}
                | ({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {})
                for n, m in enumerate(messages)
            ]
            sent = sqs.send_message_batch(QueueUrl=pair.url, Entries=entries)
            done = [messages[int(ok["Id"])] for ok in sent.get("Successful", [])]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=pair.dlq_url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
                )
            moved += len(done)
            if len(done) < len(messages):
                raise LabError(
                    "redrive_incomplete",
                    f"SQS refused {len(messages) - len(done)} message(s) for {pair.name}; {moved} moved so far.",
                    "Run `labctl dlq redrive` again; unmoved messages stay in the DLQ.",
                )
    except (ClientError, BotoCoreError) as err:
        raise _sqs_error("redrive", err) from err
