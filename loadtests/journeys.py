"""The simulated people: release-day bookers, hot-seat fighters, and the /healthz baseline.

409 (seat taken, hold state) and 402 (card declined) are expected outcomes, not failures;
5xx and transport errors/timeouts are failures (see recorder.is_failure).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from loadtests.recorder import EXPECTED_STATUSES, Recorder

WAIT_LIMIT_S = 120.0  # a person in the waiting room gives up after two minutes
IN_LINE = " (waiting room)"  # 429 answers are reported under their own name: they are not holds served

# Row E-F centre first: everyone wants the same seats, which is the point of hot-seat.
PREFERRED_SEATS = [f"{r}{n}" for r in "EFDGCHBIAJ" for n in (6, 7, 5, 8, 4, 9, 3, 10, 2, 11, 1, 12)]


@dataclass
class RunContext:
    """Shared by every user of the Locust process: the catalog and the hot-seat show pointer."""

    recorder: Recorder = field(default_factory=Recorder)
    shows: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # days with shows, for dated listings
    fresh: list[str] = field(default_factory=list)  # shows with no seat held or booked when the run began
    fight_shows: list[str] = field(default_factory=list)  # hot-seat moves through these in order
    fight_index: int = 0

    def fight_show(self) -> tuple[int, str]:
        if not self.fight_shows:
            raise StopUser()  # catalog discovery failed: nothing to fight for
        i = min(self.fight_index, len(self.fight_shows) - 1)
        return i, self.fight_shows[i]

    def sold_out(self, index: int) -> None:
        """Move every fighter to the next fresh show once the current one has no seats left."""
        if self.fight_index == index and index < len(self.fight_shows) - 1:
            self.fight_index = index + 1


CTX = RunContext()


def _ms() -> int:
    return int(time.time() * 1000)


class ApiUser(FastHttpUser):
    """One simulated person: its own connection pool and cookie jar, so its own client for the API's limits."""

    abstract = True
    network_timeout = 10.0  # a request slower than this is a timeout, i.e. a failure

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hold_tokens: dict[str, str] = {}  # hold id -> its token, kept in memory as the web UI does

    def _auth(self, hold_id: str) -> dict[str, str]:
        token = self.hold_tokens.get(hold_id)
        return {"Authorization": f"Bearer {token}"} if token else {}

    connection_timeout = 5.0

    def call(
        self, method: str, path: str, name: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """One request; returns (status, json body or {}, headers). Expected outcomes count as success.

        Every request carries its own X-Request-Id (the API keeps it): the load log and the API's log
        line of the same request can be joined even when the response never arrived."""
        headers = {"X-Request-Id": uuid.uuid4().hex, **(headers or {})}
        with self.client.request(method, path, name=name, json=body, headers=headers, catch_response=True) as r:
            status = int(r.status_code or 0)
            if status == 429:
                r.request_meta["name"] = name + IN_LINE
            if 200 <= status < 300 or status in EXPECTED_STATUSES:
                r.success()
            else:
                r.failure(f"HTTP {status}")
            data: dict[str, Any] = {}
            if r.content:
                try:
                    data = json.loads(r.content)
                except ValueError:
                    data = {}
            hdrs = {k.lower(): v for k, v in (r.headers or {}).items()}
        hdrs.setdefault("x-request-id", headers["X-Request-Id"])
        return status, data, hdrs

    def seat_map(self, show_id: str) -> list[str]:
        status, data, _ = self.call("GET", f"/api/shows/{show_id}/seats", "GET /api/shows/{id}/seats")
        if status != 200:
            return []
        return [s["id"] for s in data.get("seats", []) if s.get("status") == "available"]

    def hold(self, show_id: str, seats: list[str]) -> str | None:
        """Hold seats; in the waiting room, come back with the ticket after Retry-After until let in."""
        room = CTX.recorder.room
        ticket: str | None = None
        queued_at: int | None = None
        while True:
            t0 = _ms()
            status, data, hdrs = self.call(
                "POST",
                f"/api/shows/{show_id}/holds",
                "POST /api/shows/{id}/holds",
                {"seat_ids": seats},
                {"X-Waiting-Room-Ticket": ticket} if ticket else None,
            )
            t1 = _ms()
            err = data.get("error") or {}
            details = err.get("details") or {}
            if status != 429:
                room.admitted += 1
                break
            if err.get("code") == "waiting_room_queued" and queued_at is None:
                queued_at = t0
                room.queued += 1
            if err.get("code") != "waiting_room_queued" or t1 - (queued_at or t0) > WAIT_LIMIT_S * 1000:
                room.rejected += 1  # a full room, or a person who gave up waiting
                break
            ticket = str(details.get("ticket") or "")
            time.sleep(float(details.get("retry_after_ms") or 1000) / 1000)  # gevent-patched: yields
        event: dict[str, Any] = {
            "ev": "hold",
            "t0": t0,
            "t1": t1,
            "rid": hdrs["x-request-id"],
            "show": show_id,
            "seats": seats,
            "status": status,
        }
        if queued_at is not None:
            event["wait_ms"] = t0 - queued_at
            if status != 429:
                room.waits.append(float(t0 - queued_at))
        if status == 201:
            event["hold_id"] = data.get("hold_id")
        elif err:
            event["code"] = err.get("code")
            event["conflict"] = details.get("seat_ids", [])
        CTX.recorder.log(event)
        if status != 201:
            return None
        self.hold_tokens[str(data["hold_id"])] = str(data.get("hold_token", ""))
        return str(data["hold_id"])

    def book(self, hold_id: str, token: str, key: str, retry: bool = False) -> int:
        body = {
            "hold_id": hold_id,
            "customer": {"name": "Load Tester", "email": f"load+{key[:8]}@example.com"},
            "payment": {"token": token},
        }
        name = "POST /api/bookings (retry)" if retry else "POST /api/bookings"
        t0 = _ms()
        headers = {"Idempotency-Key": key, **self._auth(hold_id)}
        status, data, hdrs = self.call("POST", "/api/bookings", name, body, headers)
        event: dict[str, Any] = {
            "ev": "book",
            "t0": t0,
            "t1": _ms(),
            "rid": hdrs["x-request-id"],
            "key": key,
            "hold_id": hold_id,
            "status": status,
        }
        if status == 201:
            event["booking_id"] = data.get("booking_id")
            event["replayed"] = hdrs.get("idempotent-replayed") == "true"
        elif data.get("error"):
            event["code"] = data["error"].get("code")
        CTX.recorder.log(event)
        return status

    def release(self, hold_id: str) -> None:
        status, _, _ = self.call("DELETE", f"/api/holds/{hold_id}", "DELETE /api/holds/{id}", None, self._auth(hold_id))
        CTX.recorder.log({"ev": "release", "t": _ms(), "hold_id": hold_id, "status": status})

    def checkout(self, hold_id: str, *, decline_share: float, retry_share: float) -> None:
        """Pay for a hold: sometimes declined first, sometimes retried with the same key (a flaky network)."""
        declined = random.random() < decline_share and self.book(hold_id, "tok_chargeDeclined", uuid.uuid4().hex) == 402
        if declined and random.random() < 0.5:
            self.release(hold_id)  # gave up after the decline
            return
        key = uuid.uuid4().hex
        status = self.book(hold_id, "tok_visa", key)
        if status == 0 or status >= 500 or (status == 201 and random.random() < retry_share):
            self.book(hold_id, "tok_visa", key, retry=True)


class ReleaseDayUser(ApiUser):
    """Browse, poll the seat map, hold 1-4 seats, then book, release or walk away."""

    wait_time = between(0.5, 2.0)

    def _pick_show(self, *, write: bool) -> str:
        """Most people want the popular release (the first fresh shows). Writes stay on fresh shows,
        so the checker's scope never includes damage left by an earlier (e.g. --unsafe-locks) run."""
        if not CTX.fresh:
            raise StopUser()  # catalog discovery failed
        if random.random() < 0.7 or write:
            return random.choice(CTX.fresh[:3] if random.random() < 0.7 else CTX.fresh)
        return random.choice(CTX.shows)

    @task(3)
    def browse(self) -> None:
        status, data, _ = self.call("GET", "/api/movies", "GET /api/movies")
        if status == 200 and data.get("items"):
            movie = random.choice(data["items"])["id"]
            day = random.choice(CTX.dates) if CTX.dates else ""
            self.call("GET", f"/api/movies/{movie}/shows?date={day}", "GET /api/movies/{id}/shows?date")

    @task(4)
    def poll_seats(self) -> None:
        self.seat_map(self._pick_show(write=False))

    @task(3)
    def hold_and_book(self) -> None:
        show = self._pick_show(write=True)
        free = self.seat_map(show)
        if not free:
            return
        seats = random.sample(free, min(len(free), random.randint(1, 4)))
        hold_id = self.hold(show, seats)
        if hold_id is None:
            return
        roll = random.random()
        if roll < 0.6:
            self.checkout(hold_id, decline_share=0.1, retry_share=0.2)
        elif roll < 0.85:
            self.release(hold_id)
        # else: abandoned; the hold expires on its own


class HotSeatUser(ApiUser):
    """Everyone wants the same few centre seats of one show, as fast as they can click."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self._free: list[str] = []
        self._stale = 0

    @task
    def fight(self) -> None:
        index, show = CTX.fight_show()
        if not self._free or self._stale >= 4:
            free = set(self.seat_map(show))
            self._free = [s for s in PREFERRED_SEATS if s in free]
            self._stale = 0
            if len(self._free) < 2:
                CTX.sold_out(index)
                return
        self._stale += 1
        seats = random.sample(self._free[:6], min(len(self._free), random.randint(1, 2)))
        hold_id = self.hold(show, seats)
        if hold_id is None:
            self._stale = 4  # look at the map again before the next try
            return
        roll = random.random()
        if roll < 0.5:
            self.checkout(hold_id, decline_share=0.0, retry_share=0.2)
        elif roll < 0.9:
            self.release(hold_id)
