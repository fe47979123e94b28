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


def check_booking(client: httpx.Client, booking_id: object) -> Item:
    """Step 3: the booking you made has its confirmation sent by the booking-events worker."""
    name = "your booking's confirmation was sent by the worker"
    if not booking_id:
        return Item(name, None, "not done yet: book seats and put the booking_id in answers.json (step 3)")
    resp = client.get(f"/api/bookings/{booking_id}")
    if resp.status_code != 200:
        return Item(name, False, f"GET /api/bookings/{booking_id} -> {resp.status_code}")
    note = resp.json()["notification"]
    return Item(name, note["status"] == "sent", f"{booking_id}: notification {note['status']}")


def check_hold(client: httpx.Client, hold_id: object) -> Item:
    """Step 2: the hold you let run out was released by the hold-expiry worker (not just read as expired)."""
    name = "your expired hold was released by the worker"
    if not hold_id:
        return Item(name, None, "not done yet: hold seats, do not book, put the hold_id in answers.json (step 2)")
    resp = client.get(f"/api/holds/{hold_id}")
    if resp.status_code != 200:
        return Item(name, False, f"GET /api/holds/{hold_id} -> {resp.status_code}")
    status = resp.json()["status"]
    hint = "" if status == "released" else " (expired but not released yet: is the worker running?)"
    return Item(name, status == "released", f"{hold_id}: {status}{hint}")


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
        items = [check_booking(client, answers.get("booking_id")), check_hold(client, answers.get("hold_id"))]
    return [*items, check_dlq(lab), answer(answers, "max_receive_count", max_receive_count())]


if __name__ == "__main__":
    sys.exit(checklist.main(check))
