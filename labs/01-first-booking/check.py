"""Lab 01 check: the booking you made in the browser is real, and you found its details through the API.

Run: python labs/01-first-booking/check.py [--url http://127.0.0.1:8080]   (a second; read-only requests)
Your answers live in $LABCTL_HOME/first-booking.json (default ~/.labctl/first-booking.json), see README step 4.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from labctl.labs import checklist
from labctl.output import LabError

Result = tuple[str, bool | None, str]
ANSWER_KEYS = ("booking_id", "reference", "seat_ids", "total_cents", "show_starts_at")


def answers_path() -> Path:
    home = os.environ.get("LABCTL_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".labctl") / "first-booking.json"


def lab_url() -> str:
    """The running local lab's URL, from the state `labctl up --local` records."""
    from labctl.local.running import require_running

    return require_running().api_url.rstrip("/")


def _get(client: httpx.Client, path: str) -> Any:
    resp = client.get(path)
    if resp.status_code != 200:
        code = resp.json().get("error", {}).get("code", resp.status_code) if resp.content else resp.status_code
        raise LabError("unexpected_response", f"GET {path} answered {resp.status_code} ({code}).")
    return resp.json()


def check_lab(client: httpx.Client) -> list[Result]:
    """The UI is served at / and the API enforces its booking contract."""
    page = client.get("/")
    body = {
        "hold_id": "hold_lab01",
        "customer": {"name": "Lab", "email": "lab@example.com"},
        "payment": {"token": "tok_visa"},
    }
    no_key = client.post("/api/bookings", json=body)  # refused before the hold is even looked up: books nothing
    code = no_key.json().get("error", {}).get("code") if no_key.content else None
    return [
        ("web UI served at /", page.status_code == 200 and "Marquee" in page.text, f"GET / -> {page.status_code}"),
        (
            "a booking without Idempotency-Key is refused",
            no_key.status_code == 400 and code == "idempotency_key_missing",
            f"POST /api/bookings -> {no_key.status_code} {code}",
        ),
    ]


def check_answers(client: httpx.Client, answers: dict[str, Any]) -> list[Result]:
    """Each answer matches what the API says about the booking."""
    booking_id = str(answers.get("booking_id", ""))
    auth = {"Authorization": f"Bearer {answers.get('booking_token', '')}"}  # a booking is read with its token
    resp = client.get(f"/api/bookings/{booking_id}", headers=auth) if booking_id else None
    if resp is None or resp.status_code != 200:
        got = (
            "no booking_id in the answers" if resp is None else f"GET /api/bookings/{booking_id} -> {resp.status_code}"
        )
        hint = "copy the Booking ID from the confirmation page and its booking_token from the tab's session storage"
        return [("your booking exists", False, f"{got}: {hint}")]
    booking = resp.json()
    show = _get(client, f"/api/shows/{booking['show_id']}")
    seats = {s["id"]: s["status"] for s in _get(client, f"/api/shows/{booking['show_id']}/seats")["seats"]}
    booked = [sid for sid in booking["seat_ids"] if seats.get(sid) == "booked"]
    return [
        ("your booking exists", booking["status"] == "confirmed", f"{booking_id}: {booking['status']}"),
        (
            "reference matches the confirmation page",
            answers.get("reference") == booking["reference"],
            f"you: {answers.get('reference')}",
        ),
        (
            "confirmation e-mail sent",
            booking["notification"]["status"] == "sent",
            f"notification {booking['notification']['status']} at {booking['notification']['sent_at']}",
        ),
        (
            "seat_ids found through the API",
            sorted(answers.get("seat_ids") or []) == sorted(booking["seat_ids"]),
            f"you: {answers.get('seat_ids')}",
        ),
        (
            "total_cents found through the API",
            answers.get("total_cents") == booking["total_cents"],
            f"you: {answers.get('total_cents')}",
        ),
        (
            "show_starts_at found through the API (GET /api/shows/{show_id})",
            answers.get("show_starts_at") == show["starts_at"],
            f"you: {answers.get('show_starts_at')}",
        ),
        (
            "the seat map shows your seats booked",
            len(booked) == len(booking["seat_ids"]),
            f"{len(booked)}/{len(booking['seat_ids'])} booked",
        ),
    ]


def check(url: str | None = None) -> list[Result]:
    """(name, ok, detail) per item; the answer items are TODO until the answers file exists."""
    base = (url or lab_url()).rstrip("/")
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            results = check_lab(client)
            path = answers_path()
            if not path.is_file():
                return [*results, ("answers written", None, f"write {path} (README step 4)")]
            try:
                answers = json.loads(path.read_text())
            except json.JSONDecodeError as err:
                return [*results, ("answers file is JSON", False, f"{path}: {err}")]
            if not isinstance(answers, dict):
                return [*results, ("answers file is a JSON object", False, f"keys: {', '.join(ANSWER_KEYS)}")]
            return results + check_answers(client, answers)
    except httpx.HTTPError as err:
        raise LabError(
            "lab_unreachable", f"{base} did not answer: {err}", "Is the lab running? labctl status --local"
        ) from err


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="base URL of the lab (default: the running local lab)")
    sys.exit(checklist.main(check, parser=parser))
