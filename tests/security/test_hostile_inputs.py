"""Hostile input against the HTTP API: every case gets its 4xx in the envelope, and nothing is written.

In process (the real app and middleware over the memory store): sizes, nesting, encodings, control
characters, injection strings, forged and replayed tokens, other clients' holds, and the per-client limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from tests.support.builders import World, make_world

CUSTOMER = {"name": "Ada", "email": "ada@example.com"}
INJECTIONS = [
    "' OR '1'='1",
    '"; DROP TABLE bookings; --',
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x/a}",
    "../../etc/passwd",
    "A1\u0000",
    "A\u200b1",
    "\uff211",  # fullwidth A
    "a1",
]


@dataclass
class Api:
    client: TestClient
    world: World

    def written(self) -> tuple[int, int, int]:
        """What the store holds: holds, bookings, seats not available (all must stay put on a refusal)."""
        store = self.world.store
        taken = sum(s.status.value != "available" for seats in store.seats.values() for s in seats.values())
        return len(store.holds), len(store.bookings), taken

    def hold(self, seats: list[str], **kw: Any) -> httpx.Response:
        return self.client.post(f"/api/shows/{self.world.show_id}/holds", json={"seat_ids": seats}, **kw)


@pytest.fixture
def api() -> Iterator[Api]:
    world = asyncio.run(make_world(hold_ttl=60, slow_ms=0))
    app = create_app(world.services.settings, services=world.services, observers=[])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, world)


def refused(resp: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is `status` in the envelope, with a short body (bad input is never echoed at length)."""
    assert resp.status_code == status, resp.text[:300]
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details", "request_id"}
    if code is not None:
        assert body["error"]["code"] == code
    assert len(resp.content) < 2048, len(resp.content)
    return dict(body["error"])


# -- sizes, nesting, encodings ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b'{"seat_ids": ["' + b"A" * 10_000_000 + b'"]}', {}, 413, "payload_too_large"),
        (b'{"seat_ids": ["A1"], "pad": "' + b"x" * 20_000 + b'"}', {}, 413, "payload_too_large"),
        (b"[" * 5000 + b"]" * 5000, {}, 400, "bad_request"),  # the JSON parser's recursion limit
        (b'{"seat_ids": ' + b"[" * 3000 + b"]" * 3000 + b"}", {}, 400, "bad_request"),
        (b'{"seat_ids": ["A1"]', {}, 422, "validation_error"),
        (b"\xff\xfe\x00{", {}, 422, "validation_error"),
        (b'{"seat_ids": ["A\xe91"]}', {}, 400, "bad_request"),  # not UTF-8
        (b'{"seat_ids": ["A1"], "seat_ids": ["A1", "A1", "A1"]}', {}, 422, "invalid_seat_selection"),
        (b'{"seat_ids": [' + b'"A1",' * 3000 + b'"A2"]}', {}, 422, "validation_error"),
        (b'{"seat_ids": ["A1"]}', {"content-length": "99999999"}, 413, "payload_too_large"),
        (b'{"seat_ids": ["A1"]}', {"content-length": "-1"}, 400, "bad_request"),
    ],
    ids=[
        "10MB-seat-id",
        "20KB-body",
        "deep-array",
        "deep-nesting-in-field",
        "truncated-json",
        "binary",
        "latin-1",
        "duplicate-key-last-wins-still-checked",
        "3000-seats",
        "huge-content-length",
        "negative-content-length",
    ],
)
def test_bad_bodies_are_refused_and_write_nothing(
    api: Api, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    before = api.written()
    url = f"/api/shows/{api.world.show_id}/holds"
    refused(api.client.post(url, content=body, headers={"content-type": "application/json", **headers}), status, code)
    assert api.written() == before


@pytest.mark.parametrize("seat", INJECTIONS)
def test_injection_strings_in_a_seat_id_are_refused(api: Api, seat: str) -> None:
    before = api.written()
    err = refused(api.hold([seat]), 422)
    assert err["code"] in {"validation_error", "unknown_seats"}
    assert api.written() == before


@pytest.mark.parametrize("value", INJECTIONS[:6])
def test_injection_strings_in_ids_and_bodies_are_refused(api: Api, value: str) -> None:
    before = api.written()
    refused(api.client.get(f"/api/shows/{value}"), 404)
    body = {"hold_id": value, "customer": {"name": value, "email": f"{value}@x.io"}, "payment": {"token": value}}
    err = refused(api.client.post("/api/bookings", json=body, headers={"Idempotency-Key": "k-inj"}), 422)
    assert err["code"] == "validation_error"  # the e-mail pattern refuses every one of them
    assert api.written() == before


# -- headers -------------------------------------------------------------------------------------------
def test_oversized_headers_are_431(api: Api) -> None:
    refused(api.client.get("/api/movies", headers={"X-Big": "a" * 9000}), 431, "headers_too_large")
    refused(api.client.get("/api/movies", headers={f"X-H{i}": "v" * 100 for i in range(100)}), 431, "headers_too_large")


@pytest.mark.parametrize("value", ["a\x01b", "a\x7fb", "a\x1bb"])
def test_a_control_character_in_a_header_is_400(api: Api, value: str) -> None:
    before = api.written()
    refused(api.hold(["A1"], headers={"X-Note": value}), 400, "bad_request")
    assert api.written() == before


def test_the_unknown_path_is_not_echoed_at_length(api: Api) -> None:
    err = refused(api.client.get("/api/" + "x" * 5000), 404, "not_found")
    assert len(err["message"]) < 120


def test_unknown_seats_are_echoed_as_a_short_prefix(api: Api) -> None:
    err = refused(api.hold(["Z99"]), 422, "unknown_seats")
    assert err["details"] == {"seat_ids": ["Z99"]}


# -- capability tokens ---------------------------------------------------------------------------------
def _booking(api: Api, hold_id: str, token: str | None, key: str) -> httpx.Response:
    headers = {"Idempotency-Key": key} | ({"Authorization": f"Bearer {token}"} if token is not None else {})
    body = {"hold_id": hold_id, "customer": CUSTOMER, "payment": {"token": "tok_visa"}}
    return api.client.post("/api/bookings", json=body, headers=headers)


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "hold_token_required"),
        ("Bearer ", 403, "hold_token_invalid"),
        ("Bearer forged-token-forged-token-forged-token-x", 403, "hold_token_invalid"),
        ("Basic YWRhOmFkYQ==", 403, "hold_token_invalid"),
        ("bearer HOLD-ID-AS-TOKEN", 403, "hold_token_invalid"),
    ],
    ids=["none", "empty-bearer", "forged", "basic", "hold-id-as-token"],
)
def test_another_clients_hold_cannot_be_booked_or_released(
    api: Api, authorization: str | None, status: int, code: str
) -> None:
    hold = api.hold(["B1"]).json()
    authorization = (authorization or "").replace("HOLD-ID-AS-TOKEN", hold["hold_id"]) or None
    before = api.written()
    headers = {"Idempotency-Key": "k-steal"} | ({"Authorization": authorization} if authorization else {})
    body = {"hold_id": hold["hold_id"], "customer": CUSTOMER, "payment": {"token": "tok_visa"}}
    err = refused(api.client.post("/api/bookings", json=body, headers=headers), status, code)
    assert hold["hold_id"] not in str(err)
    refused(api.client.delete(f"/api/holds/{hold['hold_id']}", headers=headers), status, code)
    assert api.written() == before
    assert api.client.get(f"/api/holds/{hold['hold_id']}").json()["status"] == "active"
    if status == 401:
        assert api.client.post("/api/bookings", json=body, headers=headers).headers["www-authenticate"] == "Bearer"


def test_a_token_is_bound_to_its_own_hold(api: Api) -> None:
    mine, theirs = api.hold(["C1"]).json(), api.hold(["C2"]).json()
    before = api.written()
    refused(_booking(api, theirs["hold_id"], mine["hold_token"], "k-swap"), 403, "hold_token_invalid")
    assert api.written() == before


def test_a_replayed_booking_answers_only_the_holder_and_reveals_nothing_to_others(api: Api) -> None:
    hold = api.hold(["D1"]).json()
    first = _booking(api, hold["hold_id"], hold["hold_token"], "k-replay")
    assert first.status_code == 201
    booking = first.json()
    # the same key and body without the token, or with a forged one: no replay, no booking id
    for token in (None, "forged-forged-forged-forged-forged-forged-x"):
        err = refused(_booking(api, hold["hold_id"], token, "k-replay"), 401 if token is None else 403)
        assert booking["booking_id"] not in str(err)
    # a later attempt with a new key, by the holder: 409 without the booking id
    err = refused(_booking(api, hold["hold_id"], hold["hold_token"], "k-later"), 409, "hold_already_booked")
    assert booking["booking_id"] not in str(err)
    # the hold's public view names no booking; the holder's does
    assert api.client.get(f"/api/holds/{hold['hold_id']}").json()["booking_id"] is None
    auth = {"Authorization": f"Bearer {hold['hold_token']}"}
    assert api.client.get(f"/api/holds/{hold['hold_id']}", headers=auth).json()["booking_id"] == booking["booking_id"]
    # the replay by the holder hands back the same booking token
    again = _booking(api, hold["hold_id"], hold["hold_token"], "k-replay")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["booking_token"] == booking["booking_token"]


def test_a_booking_is_read_only_with_its_own_token(api: Api) -> None:
    hold = api.hold(["E1"]).json()
    booking = _booking(api, hold["hold_id"], hold["hold_token"], "k-read").json()
    path = f"/api/bookings/{booking['booking_id']}"
    for suffix in ("", "/confirmation"):
        err = refused(api.client.get(path + suffix), 401, "booking_token_required")
        assert "ada@example.com" not in str(err)
        bad = {"Authorization": f"Bearer {hold['hold_token']}"}  # the hold's token is not the booking's
        refused(api.client.get(path + suffix, headers=bad), 403, "booking_token_invalid")
    good = {"Authorization": f"Bearer {booking['booking_token']}"}
    assert api.client.get(path, headers=good).json()["customer"]["email"] == "ada@example.com"


def test_tokens_are_stored_only_as_digests(api: Api) -> None:
    hold = api.hold(["F1"]).json()
    booking = _booking(api, hold["hold_id"], hold["hold_token"], "k-digest").json()
    stored = repr(api.world.store.holds) + repr(api.world.store.bookings) + repr(api.world.store.idempotency)
    assert hold["hold_token"] not in stored
    assert booking["booking_token"] not in stored
    assert len(hold["hold_token"]) >= 43  # 256 bits, url-safe


# -- per-client limits ---------------------------------------------------------------------------------
def test_one_client_holds_at_most_the_cap_of_one_show(api: Api) -> None:
    api.client.get("/api/movies")  # the client's cookie
    held = 0
    for row in "ABCDEFGHIJ":
        r = api.hold([f"{row}11", f"{row}12"])
        if r.status_code != 201:
            err = refused(r, 429, "seat_cap_reached")
            assert int(r.headers["retry-after"]) >= 1
            assert err["details"] == {"held": 10, "requested": 2, "limit": 10}
            break
        held += 2
    assert held == 10
    # another client (its own cookie) is not blocked by the first
    other = TestClient(api.client.app)
    other.get("/api/movies")
    assert other.post(f"/api/shows/{api.world.show_id}/holds", json={"seat_ids": ["J1"]}).status_code == 201


def test_hold_creation_is_rate_limited_per_client_with_retry_after(api: Api) -> None:
    api.client.get("/api/movies")
    statuses = []
    for i in range(30):
        statuses.append(api.hold(["Z1" if i % 2 else "Z2"]).status_code)  # unknown seats: nothing is held
        if statuses[-1] == 429:
            break
    assert statuses[:-1] == [422] * 20
    assert statuses[-1] == 429
    r = api.hold(["A1"])
    refused(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "1"
    api.world.clock.advance(1)
    assert api.hold(["A1"]).status_code == 201  # 5 tokens a second refill the bucket


def test_a_client_without_a_cookie_is_its_ip_and_shares_its_bucket(api: Api) -> None:
    api.client.cookies.clear()
    codes = []
    for _ in range(25):
        api.client.cookies.clear()  # a caller that keeps no cookie: every request is its IP's
        codes.append(api.hold(["Z1"]).status_code)
    assert codes.count(429) == 5


def test_a_forged_client_cookie_is_ignored(api: Api) -> None:
    api.client.cookies.set("labctl_client", "someone-else.forgedmac", path="/api")
    r = api.client.get("/api/movies")
    assert "labctl_client=" in r.headers.get("set-cookie", "")  # treated as no cookie: a new one is issued


def test_a_503_names_no_internal_operation_and_says_when_to_retry(api: Api) -> None:
    from api.domain.errors import DependencyUnavailable

    async def down() -> None:
        raise DependencyUnavailable("DynamoDB Query failed: ProvisionedThroughputExceededException")

    api.world.services.catalog.list_movies = down  # type: ignore[assignment,method-assign]
    r = api.client.get("/api/movies")
    err = refused(r, 503, "dependency_unavailable")
    assert r.headers["retry-after"] == "1"
    assert "DynamoDB" not in r.text
    assert "Query" not in err["message"]
