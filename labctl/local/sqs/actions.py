"""SQS actions (JSON protocol: `X-Amz-Target: AmazonSQS.<Action>`, JSON in, JSON out) on the queues of model.py.

Offered: the queue calls (Create/Delete/List/GetQueueUrl/Get+SetQueueAttributes/Purge), the message calls
(Send/Receive/Delete, their batches, ChangeMessageVisibility) and StartMessageMoveTask (DLQ redrive, done at
once). ReceiveMessage here never waits: the server long-polls by calling it again when messages may be due.
Not offered, unlike SQS: FIFO queues, permissions and policies (accepted, not enforced), tags, message
move tasks that take time (StartMessageMoveTask moves everything at once), a Query-protocol endpoint.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from labctl.local.sqs.model import (
    ACCOUNT,
    DEFAULTS,
    MAX_DELAY_S,
    MAX_VISIBILITY_S,
    Message,
    Queue,
    SqsError,
    invalid,
    new_message,
    validate_attributes,
)

Params = dict[str, Any]
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _int(params: Params, name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, default)
    if not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"Value {value} for parameter {name} is invalid. Reason: must be between {low} and {high}.")
    return value


def _entries(params: Params) -> list[Params]:
    entries: list[Params] = params.get("Entries") or []
    if not entries:
        raise SqsError(
            "EmptyBatchRequest",
            "There should be at least one entry in the request.",
            "AWS.SimpleQueueService.EmptyBatchRequest",
        )
    if len(entries) > 10:
        raise SqsError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are 10. You have sent {len(entries)}.",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        )
    ids = [str(e.get("Id", "")) for e in entries]
    if any(not _BATCH_ID.match(i) for i in ids):
        raise SqsError(
            "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores.",
            "AWS.SimpleQueueService.InvalidBatchEntryId",
        )
    if len(set(ids)) != len(ids):
        raise SqsError(
            "BatchEntryIdsNotDistinct",
            "Two or more batch entries in the request have the same Id.",
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        )
    return entries


def _failure(entry_id: str, err: SqsError) -> Params:
    return {"Id": entry_id, "SenderFault": True, "Code": err.query_code, "Message": err.message}


def _wanted(names: list[str], attrs: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The message attributes a ReceiveMessage asked for: "All", ".*", exact names or "prefix.*"."""
    if not names or not attrs:
        return {}
    if "All" in names or ".*" in names:
        return attrs
    prefixes = tuple(n[:-1] for n in names if n.endswith(".*"))
    return {k: v for k, v in attrs.items() if k in names or (prefixes and k.startswith(prefixes))}


class SqsService:
    """The queues of one region, addressed by name, and one method per SQS action."""

    def __init__(self, region: str = "us-east-1", clock: Callable[[], int] = now_ms) -> None:
        self.region = region
        self.clock = clock
        self.queues: dict[str, Queue] = {}

    # -- addressing -------------------------------------------------------------------------------
    def queue(self, params: Params) -> Queue:
        url = str(params.get("QueueUrl") or "")
        q = self.queues.get(url.rstrip("/").rsplit("/", 1)[-1])
        if q is None:
            raise SqsError(
                "QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue"
            )
        return q

    def by_arn(self, arn: str) -> Queue:
        q = self.queues.get(arn.rsplit(":", 1)[-1])
        if q is None or q.arn != arn:
            raise SqsError("ResourceNotFoundException", f"No queue has ARN {arn}.")
        return q

    @staticmethod
    def url(base: str, q: Queue) -> str:
        return f"{base}/{ACCOUNT}/{q.name}"

    # -- queues -----------------------------------------------------------------------------------
    def create_queue(self, params: Params, base: str) -> Params:
        name = str(params.get("QueueName", ""))
        if not _NAME.match(name):
            raise invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        attrs = validate_attributes(params.get("Attributes") or {})
        existing = self.queues.get(name)
        if existing is not None:
            if any(existing.attributes.get(k) != v for k, v in attrs.items()):
                raise SqsError(
                    "QueueNameExists",
                    f"A queue named {name} already exists with different attributes.",
                    "QueueAlreadyExists",
                )
            return {"QueueUrl": self.url(base, existing)}
        now_s = self.clock() // 1000
        self.queues[name] = Queue(name, self.region, attrs, now_s, now_s)
        return {"QueueUrl": self.url(base, self.queues[name])}

    def get_queue_url(self, params: Params, base: str) -> Params:
        return {"QueueUrl": self.url(base, self.queue({"QueueUrl": params.get("QueueName")}))}

    def list_queues(self, params: Params, base: str) -> Params:
        prefix = str(params.get("QueueNamePrefix") or "")
        return {"QueueUrls": [self.url(base, q) for n, q in sorted(self.queues.items()) if n.startswith(prefix)]}

    def delete_queue(self, params: Params) -> Params:
        del self.queues[self.queue(params).name]
        return {}

    def purge_queue(self, params: Params) -> Params:
        self.queue(params).purge()
        return {}

    def set_queue_attributes(self, params: Params) -> Params:
        q = self.queue(params)
        q.attributes.update(validate_attributes(params.get("Attributes") or {}))
        q.modified_s = self.clock() // 1000
        return {}

    def get_queue_attributes(self, params: Params) -> Params:
        q = self.queue(params)
        names = set(params.get("AttributeNames") or [])
        every = "All" in names
        out: dict[str, str] = {"QueueArn": q.arn, **q.attributes}
        out |= {k: v for k, v in DEFAULTS.items() if k not in out}
        out |= {"CreatedTimestamp": str(q.created_s), "LastModifiedTimestamp": str(q.modified_s)}
        if every or any(n.startswith("ApproximateNumberOf") for n in names):
            c = q.counts(self.clock())
            out["ApproximateNumberOfMessages"] = str(c["visible"])
            out["ApproximateNumberOfMessagesNotVisible"] = str(c["in_flight"])
            out["ApproximateNumberOfMessagesDelayed"] = str(c["delayed"])
        return {"Attributes": out if every else {k: v for k, v in out.items() if k in names}}

    # -- messages ---------------------------------------------------------------------------------
    def _send(self, q: Queue, entry: Params) -> Message:
        body = entry.get("MessageBody")
        if not isinstance(body, str) or not body:
            raise SqsError("MissingParameter", "The request must contain the parameter MessageBody.")
        if len(body.encode()) > q.setting("MaximumMessageSize"):
            limit = q.setting("MaximumMessageSize")
            raise invalid(f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes.")
        delay = _int(entry, "DelaySeconds", q.setting("DelaySeconds"), 0, MAX_DELAY_S)
        msg = new_message(body, dict(entry.get("MessageAttributes") or {}), delay, self.clock())
        q.add(msg)
        return msg

    @staticmethod
    def _sent(msg: Message) -> Params:
        out: Params = {"MessageId": msg.id, "MD5OfMessageBody": msg.md5_body}
        return out | ({"MD5OfMessageAttributes": msg.md5_attributes} if msg.md5_attributes else {})

    def send_message(self, params: Params) -> Params:
        return self._sent(self._send(self.queue(params), params))

    def send_message_batch(self, params: Params) -> Params:
        q = self.queue(params)
        ok: list[Params] = []
        failed: list[Params] = []
        for entry in _entries(params):
            try:
                ok.append({"Id": entry["Id"], **self._sent(self._send(q, entry))})
            except SqsError as err:
                failed.append(_failure(entry["Id"], err))
        return {"Successful": ok, "Failed": failed}

    def receive_message(self, params: Params) -> Params:
        """Up to MaxNumberOfMessages due messages (moving over-received ones to the DLQ); never waits."""
        q = self.queue(params)
        count = _int(params, "MaxNumberOfMessages", 1, 1, 10)
        visibility = _int(params, "VisibilityTimeout", q.setting("VisibilityTimeout"), 0, MAX_VISIBILITY_S)
        system = set(params.get("MessageSystemAttributeNames") or []) | set(params.get("AttributeNames") or [])
        wanted = list(params.get("MessageAttributeNames") or [])
        redrive, now = q.redrive(), self.clock()
        dlq = self.queues.get(redrive[0].rsplit(":", 1)[-1]) if redrive else None
        out: list[Params] = []
        for msg in q.due(now):
            if redrive and dlq is not None and msg.receive_count >= redrive[1]:
                del q.messages[msg.id]
                dlq.add(Message(msg.id, msg.body, msg.attributes, msg.sent_ms, now, msg.md5_body, msg.md5_attributes))
                continue
            handle = q.receive(msg, visibility, now)
            out.append(self._received(msg, handle, system, wanted))
            if len(out) >= count:
                break
        return {"Messages": out} if out else {}

    @staticmethod
    def _received(msg: Message, handle: str, system: set[str], wanted: list[str]) -> Params:
        item: Params = {"MessageId": msg.id, "ReceiptHandle": handle, "MD5OfBody": msg.md5_body, "Body": msg.body}
        values = {
            "SenderId": ACCOUNT,
            "SentTimestamp": str(msg.sent_ms),
            "ApproximateReceiveCount": str(msg.receive_count),
            "ApproximateFirstReceiveTimestamp": str(msg.first_receive_ms),
        }
        every = "All" in system
        attrs = {k: v for k, v in values.items() if every or k in system}
        if attrs:
            item["Attributes"] = attrs
        chosen = _wanted(wanted, msg.attributes)
        if chosen:
            item["MessageAttributes"] = chosen
            item["MD5OfMessageAttributes"] = msg.md5_attributes
        return item

    def delete_message(self, params: Params) -> Params:
        self.queue(params).delete(str(params.get("ReceiptHandle") or ""))
        return {}

    def delete_message_batch(self, params: Params) -> Params:
        q = self.queue(params)
        ok: list[Params] = []
        failed: list[Params] = []
        for entry in _entries(params):
            try:
                q.delete(str(entry.get("ReceiptHandle") or ""))
                ok.append({"Id": entry["Id"]})
            except SqsError as err:
                failed.append(_failure(entry["Id"], err))
        return {"Successful": ok, "Failed": failed}

    def change_message_visibility(self, params: Params) -> Params:
        q = self.queue(params)
        timeout = _int(params, "VisibilityTimeout", 0, 0, MAX_VISIBILITY_S)
        q.change_visibility(str(params.get("ReceiptHandle") or ""), timeout, self.clock())
        return {}

    def start_message_move_task(self, params: Params) -> Params:
        """Move every message of a DLQ back (to DestinationArn, or to the queue whose RedrivePolicy names it)."""
        source = self.by_arn(str(params.get("SourceArn", "")))
        dest_arn = params.get("DestinationArn")
        if dest_arn:
            dest = self.by_arn(str(dest_arn))
        else:
            origins = [q for q in self.queues.values() if (r := q.redrive()) and r[0] == source.arn]
            if len(origins) != 1:
                raise invalid("Pass DestinationArn: no single queue has this queue as its dead-letter queue.")
            dest = origins[0]
        now = self.clock()
        moved = list(source.messages.values())
        source.purge()
        for msg in moved:
            dest.add(Message(msg.id, msg.body, msg.attributes, msg.sent_ms, now, msg.md5_body, msg.md5_attributes))
        return {"TaskHandle": f"{source.name}-{now}-{len(moved)}"}

    def queues_to_wake(self, action: str, params: Params) -> list[str]:
        """Queues whose waiting receivers an action may have given something (the server wakes them)."""
        if action in ("SendMessage", "SendMessageBatch", "ChangeMessageVisibility"):
            return [str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]]
        if action == "StartMessageMoveTask":
            return list(self.queues)
        return []
