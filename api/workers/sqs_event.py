"""The SQS event and Lambda context the local worker hands to the handlers: the shapes Lambda uses.

See https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example event).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.bootstrap import MessageAttribute, ReceivedMessage


def _message_attributes(raw: Mapping[str, MessageAttribute]) -> dict[str, Any]:
    # ReceiveMessage says StringValue/DataType; the Lambda event says stringValue/dataType.
    out: dict[str, Any] = {}
    for name, attr in raw.items():
        converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": attr["DataType"]}
        if "StringValue" in attr:
            converted["stringValue"] = attr["StringValue"]
        if "BinaryValue" in attr:
            converted["binaryValue"] = attr["BinaryValue"]
        out[name] = converted
    return out


def sqs_record(message: ReceivedMessage, *, queue_arn: str, region: str) -> dict[str, Any]:
    """One ReceiveMessage message as a Lambda SQS record."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Sequence[ReceivedMessage], *, queue_arn: str, region: str) -> dict[str, Any]:
    """A batch of ReceiveMessage messages as the event Lambda's SQS event source mapping delivers."""
    return {"Records": [sqs_record(m, queue_arn=queue_arn, region=region) for m in messages]}


@dataclass
class LocalContext:
    """The attributes of a Lambda context object that handlers and Powertools read."""

    function_name: str
    timeout_seconds: int
    region: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{self.region}:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
