"""The deploy's smoke test: book one seat through the demo URL, the way a customer would.

Through the front door only (CloudFront -> /api/* -> the new revision): wait for the catalog to answer,
find a show with a free seat, hold it, book it with a demo card and an Idempotency-Key, read the
booking back. Each step is timed; the first failing step is named, with its HTTP status.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

CUSTOMER = {"name": "Pipeline smoke test", "email": "smoke-test@example.com"}
DEMO_CARD = "tok_visa"  # the payment mock approves it


@dataclass
class Step:
    """One request of the smoke test."""

    name: str
    ok: bool
    ms: float
    status: int | None = None
    detail: str = ""


@dataclass
class SmokeResult:
    """`ok` when a seat was booked and read back; `failed_step` names the first step that was not."""

    url: str
    ok: bool = False
    steps: list[Step] = field(default_factory=list)
    failed_step: str | None = None
    reference: str | None = None
    seat: str | None = None
    show_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        """1 when the smoke test failed: the deploy job fails loudly."""
        return 0 if self.ok else 1


class SmokeFailure(Exception):
    """A step did not get the answer it needed."""

    def __init__(self, step: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{step}: {detail}")
        self.step, self.detail, self.status = step, detail, status


def _json(response: httpx.Response, step: str, expected: int) -> Any:
    if response.status_code != expected:
        code = ""
        with contextlib.suppress(ValueError, AttributeError):
            code = str(response.json().get("error", {}).get("code", ""))
        raise SmokeFailure(step, f"answered {response.status_code} {code}".strip(), response.status_code)
    try:
        return response.json()
    except ValueError:
        raise SmokeFailure(step, "answered with something that is not JSON", response.status_code) from None


def run(
    url: str,
    *,
    wait_s: float = 300.0,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> SmokeResult:
    """Run the smoke test against `url` (the demo URL: the API is under /api); never raises."""
    base = url.rstrip("/")
    result = SmokeResult(url=base)
    own = client is None
    http = client or httpx.Client(timeout=15.0, follow_redirects=True, headers={"User-Agent": "labctl-smoke"})
    pick = rng or random.Random()  # spreads runs over seats; not security

    def step(name: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            value = call()
        except SmokeFailure as failure:
            result.steps.append(Step(name, False, _ms(started), failure.status, failure.detail))
            raise
        except httpx.HTTPError as err:
            result.steps.append(Step(name, False, _ms(started), None, f"{type(err).__name__}: {err}"))
            raise SmokeFailure(name, str(err)) from None
        result.steps.append(Step(name, True, _ms(started), 200))
        return value

    try:
        movies = step("catalog_ready", lambda: _wait_for_catalog(http, base, wait_s, sleep))
        show = step("find_show", lambda: _find_show(http, base, movies))
        result.show_id = show["id"]
        seat = step("pick_seat", lambda: _pick_seat(http, base, show["id"], pick))
        result.seat = seat
        hold = step(
            "hold_seat",
            lambda: _json(_post(http, f"{base}/api/shows/{show['id']}/holds", {"seat_ids": [seat]}), "hold_seat", 201),
        )
        body = {"hold_id": hold["hold_id"], "customer": CUSTOMER, "payment": {"token": DEMO_CARD}}
        key, hold_token = str(uuid.uuid4()), str(hold.get("hold_token", ""))
        booking = step(
            "book", lambda: _json(_post(http, f"{base}/api/bookings", body, key=key, token=hold_token), "book", 201)
        )
        result.reference = booking.get("reference")
        token = str(booking.get("booking_token", ""))
        step("read_back", lambda: _read_back(http, base, booking["booking_id"], seat, token))
        result.ok = True
    except SmokeFailure as failure:
        result.failed_step = failure.step
    finally:
        if own:
            http.close()
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _post(
    http: httpx.Client, url: str, body: dict[str, Any], *, key: str | None = None, token: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"  # the hold's capability token
    return http.post(url, json=body, headers=headers)


def _wait_for_catalog(http: httpx.Client, base: str, wait_s: float, sleep: Callable[[float], None]) -> list[Any]:
    """A fresh distribution or a swapping service may answer 5xx/403 for a while: retry, bounded."""
    deadline = time.monotonic() + wait_s
    delay = 2.0
    while True:
        try:
            response = http.get(f"{base}/api/movies")
            if response.status_code == 200:
                items = _json(response, "catalog_ready", 200).get("items", [])
                if items:
                    return list(items)
                last = "the catalog is empty (is the lab seeded?)"
            else:
                last = f"answered {response.status_code}"
        except httpx.HTTPError as err:
            last = f"{type(err).__name__}: {err}"
        if time.monotonic() + delay > deadline:
            raise SmokeFailure("catalog_ready", f"not ready after {wait_s:.0f} s: {last}")
        sleep(delay)
        delay = min(delay * 1.5, 15.0)


def _find_show(http: httpx.Client, base: str, movies: list[Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    for movie in movies:
        shows = _json(http.get(f"{base}/api/movies/{movie['id']}/shows"), "find_show", 200).get("items", [])
        for show in shows:
            starts = datetime.fromisoformat(str(show["starts_at"]).replace("Z", "+00:00"))
            if show.get("seats_available", 0) > 0 and starts > now:
                return dict(show)
    raise SmokeFailure("find_show", "no upcoming show has a free seat")


def _pick_seat(http: httpx.Client, base: str, show_id: str, rng: random.Random) -> str:
    seats = _json(http.get(f"{base}/api/shows/{show_id}/seats"), "pick_seat", 200).get("seats", [])
    free = [s["id"] for s in seats if s.get("status") == "available"]
    if not free:
        raise SmokeFailure("pick_seat", "the seat map shows no available seat")
    return str(rng.choice(free))


def _read_back(http: httpx.Client, base: str, booking_id: str, seat: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    booking = _json(http.get(f"{base}/api/bookings/{booking_id}", headers=auth), "read_back", 200)
    if seat not in booking.get("seat_ids", []):
        raise SmokeFailure("read_back", f"booking {booking_id} does not hold seat {seat}")
