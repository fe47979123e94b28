"""Lab 02 check: the workers give each booking its confirmation, tidy expired holds, and dead-letter poison.

Run: python labs/02-async/check.py   (books one seat in your local lab; bounded to ~30 s)
"""

from __future__ import annotations

import sys
import time
import uuid

import httpx

from labctl.labs import checklist
from labctl.local.state import LabState
from labctl.output import LabError

Result = tuple[str, bool | None, str]
CONFIRMATION_WAIT_S = 10.0
SHORT_TTL_S = 30  # above this the expiry item is TODO: waiting for it would take too long


def _first_free_seat(client: httpx.Client) -> tuple[str, str]:
    movies = client.get("/api/movies").json()["items"]
    for movie in movies:
        for show in client.get(f"/api/movies/{movie['id']}/shows").json()["items"]:
            seats = client.get(f"/api/shows/{show['id']}/seats").json()["seats"]
            free = [s["id"] for s in seats if s["status"] == "available"]
            if free:
                return show["id"], free[-1]
    raise LabError("no_free_seat", "Every seat of every show is taken.", "Restart the lab to reseed it.")


def check_confirmation(client: httpx.Client) -> Result:
    """Book one seat; the booking-events worker must mark it notified within a few seconds."""
    show_id, seat = _first_free_seat(client)
    hold = client.post(f"/api/shows/{show_id}/holds", json={"seat_ids": [seat]})
    if hold.status_code != 201:
        return ("booking confirmation sent by the worker", False, f"could not hold {seat}: {hold.status_code}")
    body = {
        "hold_id": hold.json()["hold_id"],
        "customer": {"name": "Lab 02", "email": "lab02@example.com"},
        "payment": {"token": "tok_visa"},
    }
    headers = {"Idempotency-Key": f"lab02-{uuid.uuid4().hex}", "Authorization": f"Bearer {hold.json()['hold_token']}"}
    booking = client.post("/api/bookings", json=body, headers=headers)
    if booking.status_code != 201:
        return ("booking confirmation sent by the worker", False, f"booking answered {booking.status_code}")
    booking_id = booking.json()["booking_id"]
    auth = {"Authorization": f"Bearer {booking.json()['booking_token']}"}  # a booking is read with its token
    start = time.monotonic()
    while time.monotonic() - start < CONFIRMATION_WAIT_S:
        if client.get(f"/api/bookings/{booking_id}", headers=auth).json()["notification"]["status"] == "sent":
            return (
                "booking confirmation sent by the worker",
                True,
                f"sent {time.monotonic() - start:.1f}s after booking",
            )
        time.sleep(0.2)
    return (
        "booking confirmation sent by the worker",
        False,
        f"still pending after {CONFIRMATION_WAIT_S:.0f}s: is the worker running? (labctl status --local)",
    )


def check_expiry(client: httpx.Client, hold_ttl: int) -> Result:
    """With a short TTL, hold a seat, let it expire, and see the worker release it (status released)."""
    name = "an expired hold is released by the worker"
    if hold_ttl > SHORT_TTL_S:
        return (name, None, f"the lab's hold TTL is {hold_ttl}s: restart with `labctl up --local --hold-ttl 10`")
    show_id, seat = _first_free_seat(client)
    hold = client.post(f"/api/shows/{show_id}/holds", json={"seat_ids": [seat]}).json()
    deadline = time.monotonic() + hold_ttl + 1 + 5  # the message arrives after TTL + 1 s
    status = hold.get("status", "?")
    while time.monotonic() < deadline:
        status = client.get(f"/api/holds/{hold['hold_id']}").json()["status"]
        if status == "released":
            return (name, True, f"hold {hold['hold_id']} released")
        time.sleep(0.5)
    return (name, False, f"hold still {status!r} {hold_ttl + 6}s after it was made: is the worker running?")


def check_dlq(lab: LabState) -> Result:
    """The poison message of step 4 sits in the booking-events DLQ (or was redriven: then do step 4 again)."""
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=lab.endpoints["sqs"],
        region_name=lab.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local emulator's placeholder
    )
    url = lab.queues.get("booking_events_dlq")
    if url is None:
        raise LabError("lab_state_incomplete", "The lab's state has no booking_events_dlq URL.", "Restart the lab.")
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    count = int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
        attrs.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
    if count == 0:
        return ("a poison message reached the booking-events DLQ", None, "empty: do step 4 (and wait 3 receives)")
    return (
        "a poison message reached the booking-events DLQ",
        True,
        f"{count} message(s): see `labctl dlq list --local`",
    )


def check() -> list[Result]:
    from labctl.local.running import require_running

    lab = require_running()
    with httpx.Client(base_url=lab.api_url.rstrip("/"), timeout=5.0) as client:
        return [check_confirmation(client), check_expiry(client, int(lab.hold_ttl_seconds)), check_dlq(lab)]


if __name__ == "__main__":
    sys.exit(checklist.main(check))
