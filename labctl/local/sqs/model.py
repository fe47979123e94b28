"""Queues and messages with the SQS semantics the lab relies on; no I/O, time passed in (milliseconds).

Every message sits in one heap ordered by the time it may next be received: a delayed message by the end
of its delay, a received one by the end of its visibility timeout. Receive pops what is due, so its cost
does not grow with the number of delayed or in-flight messages. Heap entries are never updated in place:
a message that moves gets a new entry and the old one is skipped when it surfaces (its seq no longer matches).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import secrets
import struct
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

ACCOUNT = "123456789012"
MAX_DELAY_S = 900
MAX_VISIBILITY_S = 43_200
DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
}
SETTABLE = frozenset({*DEFAULTS, "RedrivePolicy", "Policy", "RedriveAllowPolicy", "SqsManagedSseEnabled"})
_RANGES = {
    "DelaySeconds": (0, MAX_DELAY_S),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, MAX_VISIBILITY_S),
}
_seq = itertools.count()


class SqsError(Exception):
    """An SQS error: its JSON type, the query-compatible code botocore reports, and a message."""

    def __init__(self, type_: str, message: str, query_code: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self.query_code = query_code or type_
        self.status = status


def invalid(message: str) -> SqsError:
    return SqsError("InvalidParameterValue", message)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_of_attributes(attrs: Mapping[str, Mapping[str, str]]) -> str:
    """MD5OfMessageAttributes as SQS computes it (names sorted; each part length-prefixed)."""
    out = bytearray()
    for name in sorted(attrs):
        attr = attrs[name]
        kind = attr["DataType"]
        binary = kind.startswith("Binary")
        value = attr["BinaryValue"].encode() if binary else attr["StringValue"].encode()
        for part in (name.encode(), kind.encode()):
            out += struct.pack(">I", len(part)) + part
        out += (b"\x02" if binary else b"\x01") + struct.pack(">I", len(value)) + value
    return md5_hex(bytes(out))


@dataclass(slots=True)
class Message:
    id: str
    body: str
    attributes: dict[str, dict[str, str]]
    sent_ms: int
    available_ms: int  # when it may next be received (end of delay or of visibility timeout)
    md5_body: str = ""
    md5_attributes: str | None = None
    receive_count: int = 0
    first_receive_ms: int = 0
    handles: list[str] = field(default_factory=list)  # receipt tokens issued; the latest is the last
    seq: int = 0  # of its live heap entry

    def state(self, now_ms: int) -> str:
        """visible | in_flight | delayed."""
        if self.available_ms <= now_ms:
            return "visible"
        return "in_flight" if self.receive_count else "delayed"


@dataclass
class Queue:
    name: str
    region: str
    attributes: dict[str, str]
    created_s: int
    modified_s: int = 0
    messages: dict[str, Message] = field(default_factory=dict)
    heap: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{ACCOUNT}:{self.name}"

    def setting(self, name: str) -> int:
        return int(self.attributes.get(name, DEFAULTS[name]))

    def redrive(self) -> tuple[str, int] | None:
        """(DLQ ARN, maxReceiveCount) from RedrivePolicy, if set."""
        raw = self.attributes.get("RedrivePolicy")
        if not raw:
            return None
        policy = json.loads(raw)
        return str(policy["deadLetterTargetArn"]), int(policy["maxReceiveCount"])

    def _schedule(self, msg: Message, at_ms: int) -> None:
        msg.available_ms = at_ms
        msg.seq = next(_seq)
        heapq.heappush(self.heap, (at_ms, msg.seq, msg.id))

    def add(self, msg: Message) -> None:
        self.messages[msg.id] = msg
        self._schedule(msg, msg.available_ms)

    def next_due_ms(self) -> int | None:
        """When the earliest message becomes receivable (None: empty); stale entries are dropped on the way."""
        while self.heap:
            at, seq, mid = self.heap[0]
            msg = self.messages.get(mid)
            if msg is not None and msg.seq == seq:
                return at
            heapq.heappop(self.heap)
        return None

    def due(self, now_ms: int) -> Iterator[Message]:
        """Pop the messages receivable now, earliest first (the caller re-schedules or moves each).

        A message received with VisibilityTimeout 0 is due again at once: entries pushed after this call
        began are left for the next call, so one ReceiveMessage never returns a message twice.
        """
        retention_ms = self.setting("MessageRetentionPeriod") * 1000
        began = next(_seq)
        while (at := self.next_due_ms()) is not None and at <= now_ms and self.heap[0][1] < began:
            _, _, mid = heapq.heappop(self.heap)
            msg = self.messages[mid]
            if msg.sent_ms + retention_ms <= now_ms:
                del self.messages[mid]  # past the retention period: gone, as on SQS
                continue
            yield msg

    def receive(self, msg: Message, visibility_s: int, now_ms: int) -> str:
        """Mark msg received (hidden for visibility_s); return its new receipt handle."""
        msg.receive_count += 1
        msg.first_receive_ms = msg.first_receive_ms or now_ms
        token = secrets.token_hex(8)
        msg.handles.append(token)
        self._schedule(msg, now_ms + visibility_s * 1000)
        return f"{msg.id}#{token}"

    def find(self, handle: str) -> Message | None:
        """The message a receipt handle names; None when it is already gone (deleting it again is fine)."""
        mid, sep, token = handle.partition("#")
        if not sep or not token:
            raise SqsError(
                "ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.'
            )
        msg = self.messages.get(mid)
        if msg is not None and token not in msg.handles:
            raise SqsError("ReceiptHandleIsInvalid", f'The receipt handle "{handle}" was never issued.')
        return msg

    def delete(self, handle: str) -> None:
        msg = self.find(handle)
        if msg is not None:
            del self.messages[msg.id]  # its heap entry turns stale and is skipped

    def change_visibility(self, handle: str, timeout_s: int, now_ms: int) -> None:
        msg = self.find(handle)
        if msg is None or msg.state(now_ms) != "in_flight":
            raise SqsError(
                "MessageNotInflight",
                "The message referred to is not in flight.",
                "AWS.SimpleQueueService.MessageNotInflight",
            )
        self._schedule(msg, now_ms + timeout_s * 1000)

    def counts(self, now_ms: int) -> dict[str, int]:
        """Visible, in-flight and delayed messages (O(n): only GetQueueAttributes asks)."""
        tally = {"visible": 0, "in_flight": 0, "delayed": 0}
        for msg in self.messages.values():
            tally[msg.state(now_ms)] += 1
        return tally

    def purge(self) -> None:
        self.messages.clear()
        self.heap.clear()


def validate_attributes(attrs: Mapping[str, str]) -> dict[str, str]:
    """Queue attributes checked as SQS checks them; InvalidAttributeName / InvalidAttributeValue otherwise."""
    out: dict[str, str] = {}
    for name, value in attrs.items():
        if name not in SETTABLE:
            if name in ("FifoQueue", "ContentBasedDeduplication"):
                raise SqsError("InvalidAttributeName", "FIFO queues are not offered by the lab's queue service.")
            raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in _RANGES:
            low, high = _RANGES[name]
            if not str(value).isdigit() or not low <= int(value) <= high:
                raise SqsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
        if name == "RedrivePolicy" and value:
            try:
                policy = json.loads(value)
                if int(policy["maxReceiveCount"]) < 1 or not str(policy["deadLetterTargetArn"]):
                    raise ValueError(name)
            except (ValueError, KeyError, TypeError) as err:
                raise SqsError(
                    "InvalidAttributeValue", f"Invalid value for the parameter RedrivePolicy: {err}"
                ) from err
        out[name] = str(value)
    return out


def new_message(body: str, attributes: dict[str, dict[str, str]], delay_s: int, now_ms: int) -> Message:
    msg = Message(str(uuid.uuid4()), body, attributes, now_ms, now_ms + delay_s * 1000)
    msg.md5_body = md5_hex(body.encode())
    msg.md5_attributes = md5_of_attributes(attributes) if attributes else None
    return msg
