"""Lab 02 check: your booking was confirmed, your hold released by the worker, your poison message dead-lettered.

Run: labctl labs check 02   (a second; reads ~/.labctl/labs/02/answers.json, the lab's API and its DLQ; books nothing)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from labctl.labs import checklist
from labctl.labs.answers import answer, lab_file, read_doc
from labctl.labs.checklist import Item
from labctl.local.state import LabState
from labctl.output import LabError

MARKER = "lab02-poison"  # README step 4 puts it in the poison message's body
CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "queues.json"


def _status(
    client: httpx.Client, name: str, path: str, field: str, want: str, todo: str, hint: str, token: object = None
) -> Item:
    """One of your resources, read from the API: passes when its `field` says `want`; TODO without an id."""
    if path.endswith("/"):
        return Item(name, None, f"not done yet: {todo}")
    resp = client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})
    if resp.status_code != 200:
        return Item(name, False, f"GET {path} -> {resp.status_code}")
    doc = resp.json()
    got = doc["notification"]["status"] if field == "notification" else doc[field]
    return Item(name, got == want, f"{path.rsplit('/', 1)[-1]}: {field} {got}" + ("" if got == want else hint))


def check_booking(client: httpx.Client, booking_id: object, token: object = None) -> Item:
    """Step 3: the booking you made has its confirmation sent by the booking-events worker."""
    todo = "book seats and put the booking_id and booking_token in answers.json (step 3)"
    path = f"/api/bookings/{booking_id or ''}"
    hint = " (is the worker running?)"
    name = "your booking's confirmation was sent by the worker"
    return _status(client, name, path, "notification", "sent", todo, hint, token)


def check_hold(client: httpx.Client, hold_id: object) -> Item:
    """Step 2: the hold you let run out was released by the hold-expiry worker (not just read as expired)."""
    todo = "hold seats, do not book, put the hold_id in answers.json (step 2)"
    hint = " (expired but not released yet: is the worker running?)"
    path = f"/api/holds/{hold_id or ''}"
    return _status(client, "your expired hold was released by the worker", path, "status", "released", todo, hint)


def dlq_bodies(lab: LabState) -> list[dict[str, Any]]:
    """The booking-events DLQ's messages (peeked: received with a zero visibility timeout, so left in place)."""
    import boto3

    url = lab.queues.get("booking_events_dlq")
    if url is None:
        raise LabError("lab_state_incomplete", "The lab's state has no booking_events_dlq URL.", "Restart the lab.")
    sqs = boto3.client(
        "sqs",
        endpoint_url=lab.endpoints["sqs"],
        region_name=lab.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local emulator's placeholder
    )
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"])
    out = []
    for msg in got.get("Messages", []):
        out.append({"body": msg["Body"], "receives": int(msg["Attributes"].get("ApproximateReceiveCount", 0))})
    return out


def check_dlq(lab: LabState) -> Item:
    """Step 4: the poison message you sent (its body names MARKER) sits in the booking-events DLQ."""
    name = "your poison message reached the booking-events DLQ"
    bodies = dlq_bodies(lab)
    mine = [m for m in bodies if MARKER in m["body"]]
    if not mine:
        return Item(name, None, f"not yet: {len(bodies)} DLQ message(s), none with {MARKER!r} in its body (step 4)")
    return Item(name, True, f"{len(mine)} message(s) with {MARKER!r}, see `labctl dlq list --local`")


def max_receive_count() -> int:
    contract = json.loads(CONTRACT.read_text())
    return int(next(q for q in contract["queues"] if q["key"] == "booking_events")["dlq"]["max_receive_count"])


def check() -> list[Item]:
    """Your booking, your hold, your poison message, and one answer from the queue contract."""
    from labctl.local.running import require_running

    lab = require_running()
    answers = read_doc(lab_file("02", "answers.json")) or {}
    with httpx.Client(base_url=lab.api_url.rstrip("/"), timeout=5.0) as client:
        booking = check_booking(client, answers.get("booking_id"), answers.get("booking_token"))
        items = [booking, check_hold(client, answers.get("hold_id"))]
    return [*items, check_dlq(lab), answer(answers, "max_receive_count", max_receive_count())]


if __name__ == "__main__":
    sys.exit(checklist.main(check))
