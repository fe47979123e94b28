"""The queue message bodies the handlers accept (written by api.adapters.sqs; see docs/async.md).

A body no retry can fix raises PoisonMessage: its record fails alone and, after maxReceiveCount
receives, SQS moves it to the dead-letter queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

BOOKING_CONFIRMED = "booking_confirmed"


class PoisonMessage(ValueError):
    """A message that is malformed or names something it must not: retrying cannot help."""

    code = "poison_message"


@dataclass(frozen=True)
class HoldExpiryMessage:
    hold_id: str
    show_id: str
    expires_at: datetime


@dataclass(frozen=True)
class BookingEventMessage:
    event_id: str
    type: str
    booking_id: str


def _object(body: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as err:
        raise PoisonMessage(f"body is not JSON: {body[:60]!r}") from err
    if not isinstance(data, dict):
        raise PoisonMessage("body is not a JSON object")
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise PoisonMessage(f"{name!r} is missing or not a non-empty string")
    return value


def parse_hold_expiry(body: str) -> HoldExpiryMessage:
    """{"type": "hold_expiry", "hold_id", "show_id", "expires_at": ISO-8601 UTC}."""
    data = _object(body)
    raw = _text(data, "expires_at")
    try:
        expires_at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as err:
        raise PoisonMessage(f"expires_at is not an ISO-8601 time: {raw!r}") from err
    if expires_at.tzinfo is None:
        raise PoisonMessage("expires_at has no time zone")
    return HoldExpiryMessage(_text(data, "hold_id"), _text(data, "show_id"), expires_at)


def parse_booking_event(body: str) -> BookingEventMessage:
    """{"event_id", "type": "booking_confirmed", "payload": {"booking_id", ...}, "created_at"}."""
    data = _object(body)
    event_type = _text(data, "type")
    if event_type != BOOKING_CONFIRMED:
        raise PoisonMessage(f"unknown event type {event_type!r}")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise PoisonMessage("payload is missing or not an object")
    return BookingEventMessage(_text(data, "event_id"), event_type, _text(payload, "booking_id"))
