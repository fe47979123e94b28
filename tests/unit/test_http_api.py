"""The HTTP contract: shapes, status codes and every error code, over the in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from tests.support.builders import World, make_world

BOOKING = {"customer": {"name": "Ada", "email": "ada@example.com"}, "payment": {"token": "tok_visa"}}
TOKENS: dict[str, str] = {}  # hold or booking id -> its token, as a client keeps it


def _auth(object_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[object_id]}"} if object_id in TOKENS else {}


@pytest.fixture
def world() -> World:
    import asyncio

    return asyncio.run(make_world(hold_ttl=60, slow_ms=10))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    app = create_app(world.services.settings, services=world.services)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _hold(client: TestClient, world: World, seats: list[str]) -> str:
    r = client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": seats})
    assert r.status_code == 201, r.text
    TOKENS[r.json()["hold_id"]] = r.json()["hold_token"]
    return str(r.json()["hold_id"])


def _book(client: TestClient, hold_id: str, key: str | None, **override: object) -> object:
    headers = {"Idempotency-Key": key} if key is not None else {}
    r = client.post("/api/bookings", json={"hold_id": hold_id, **BOOKING, **override}, headers=headers | _auth(hold_id))
    if r.status_code == 201:
        TOKENS[r.json()["booking_id"]] = r.json()["booking_token"]
    return r


def _error(r: object, status: int, code: str) -> dict[str, object]:
    resp = r  # httpx.Response
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "details", "request_id"}
    assert err["code"] == code
    assert err["message"]
    assert err["request_id"] == resp.headers["x-request-id"]  # type: ignore[attr-defined]
    return dict(err)


def test_catalog_shapes(client: TestClient, world: World) -> None:
    movies = client.get("/api/movies").json()["items"]
    assert len(movies) >= 6
    assert set(movies[0]) == {"id", "title", "synopsis", "duration_minutes", "rating", "genres"}
    show = client.get(f"/api/shows/{world.show_id}").json()
    assert set(show) == {
        "id",
        "movie_id",
        "screen",
        "starts_at",
        "price_cents",
        "currency",
        "seats_total",
        "seats_available",
    }
    assert show["starts_at"].endswith("Z")
    assert (show["seats_total"], show["seats_available"]) == (120, 120)
    day = show["starts_at"][:10]
    shows = client.get(f"/api/movies/{show['movie_id']}/shows", params={"date": day}).json()["items"]
    assert world.show_id in [s["id"] for s in shows]
    assert all(s["starts_at"].startswith(day) for s in shows)
    seat_map = client.get(f"/api/shows/{world.show_id}/seats").json()
    assert seat_map["seats"][0] == {"id": "A1", "row": "A", "number": 1, "status": "available"}
    assert seat_map["counts"] == {"available": 120, "held": 0, "booked": 0}


def test_hold_lifecycle_over_http(client: TestClient, world: World) -> None:
    r = client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1", "A2"]})
    assert r.status_code == 201
    hold = r.json()
    assert set(hold) >= {"hold_id", "show_id", "seat_ids", "expires_at", "ttl_seconds", "hold_token"}
    auth = {"Authorization": f"Bearer {hold['hold_token']}"}
    assert client.get(f"/api/holds/{hold['hold_id']}").json()["status"] == "active"
    assert client.delete(f"/api/holds/{hold['hold_id']}", headers=auth).status_code == 204
    assert client.delete(f"/api/holds/{hold['hold_id']}", headers=auth).status_code == 204
    assert client.get(f"/api/holds/{hold['hold_id']}").json()["status"] == "released"


def test_booking_and_replay_over_http(client: TestClient, world: World) -> None:
    hold_id = _hold(client, world, ["B1"])
    first = _book(client, hold_id, "k-http-1")
    assert first.status_code == 201  # type: ignore[attr-defined]
    again = _book(client, hold_id, "k-http-1")
    assert again.status_code == 201  # type: ignore[attr-defined]
    assert again.headers["idempotent-replayed"] == "true"  # type: ignore[attr-defined]
    assert again.json() == first.json()  # type: ignore[attr-defined]
    booking_id = first.json()["booking_id"]  # type: ignore[attr-defined]
    assert client.get(f"/api/bookings/{booking_id}", headers=_auth(booking_id)).json()["notification"] == {
        "status": "pending",
        "sent_at": None,
    }


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/movies/mv-nope", "movie_not_found"),
        ("/api/movies/mv-nope/shows", "movie_not_found"),
        ("/api/shows/sh-nope", "show_not_found"),
        ("/api/shows/sh-nope/seats", "show_not_found"),
        ("/api/holds/hold_nope", "hold_not_found"),
        ("/api/bookings/bkg_nope", "booking_not_found"),
        ("/api/bookings/bkg_nope/confirmation", "booking_not_found"),
        ("/api/nothing-here", "not_found"),
    ],
)
def test_unknown_resources_are_404_with_their_own_code(client: TestClient, path: str, code: str) -> None:
    _error(client.get(path, headers={"Authorization": "Bearer any-token"}), 404, code)


def test_holding_a_taken_seat_is_409_naming_exactly_the_conflicts(client: TestClient, world: World) -> None:
    _hold(client, world, ["C1", "C2"])
    err = _error(
        client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["C2", "C3"]}), 409, "seats_unavailable"
    )
    assert err["details"] == {"seat_ids": ["C2"]}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"seat_ids": []}, "validation_error"),
        ({"seat_ids": ["A1", "A1"]}, "invalid_seat_selection"),
        ({"seat_ids": [f"D{i}" for i in range(1, 12)]}, "validation_error"),
        ({"seat_ids": ["Q9"]}, "unknown_seats"),
        ({"seat_ids": "A1"}, "validation_error"),
        ({}, "validation_error"),
        ({"seat_ids": ["A1"], "extra": 1}, "validation_error"),
        ({"seat_ids": [1]}, "validation_error"),
    ],
)
def test_bad_hold_requests_are_422(client: TestClient, world: World, body: dict[str, object], code: str) -> None:
    _error(client.post(f"/api/shows/{world.show_id}/holds", json=body), 422, code)


def test_malformed_json_is_422_validation_error(client: TestClient, world: World) -> None:
    r = client.post(
        f"/api/shows/{world.show_id}/holds", content=b"{not json", headers={"content-type": "application/json"}
    )
    _error(r, 422, "validation_error")


def test_bad_query_and_path_values_are_422(client: TestClient, world: World) -> None:
    show = client.get(f"/api/shows/{world.show_id}").json()
    _error(client.get(f"/api/movies/{show['movie_id']}/shows", params={"date": "2030-13-45"}), 422, "validation_error")
    _error(client.get("/api/shows/" + "x" * 200), 422, "validation_error")


def test_idempotency_errors(client: TestClient, world: World) -> None:
    hold_id = _hold(client, world, ["E1"])
    _error(_book(client, hold_id, None), 400, "idempotency_key_missing")
    _error(_book(client, hold_id, "k" * 256), 400, "idempotency_key_invalid")
    assert _book(client, hold_id, "k-reuse").status_code == 201  # type: ignore[attr-defined]
    _error(
        _book(client, hold_id, "k-reuse", customer={"name": "Eve", "email": "eve@example.com"}),
        422,
        "idempotency_key_reused",
    )


def test_payment_declined_is_402_and_the_hold_stays_active(client: TestClient, world: World) -> None:
    hold_id = _hold(client, world, ["F1"])
    _error(_book(client, hold_id, "k-decline", payment={"token": "tok_chargeDeclined"}), 402, "payment_declined")
    assert client.get(f"/api/holds/{hold_id}").json()["status"] == "active"


def test_hold_state_conflicts(client: TestClient, world: World) -> None:
    booked = _hold(client, world, ["G1"])
    assert _book(client, booked, "k-g1").status_code == 201  # type: ignore[attr-defined]
    _error(_book(client, booked, "k-g1-again"), 409, "hold_already_booked")
    released = _hold(client, world, ["G2"])
    client.delete(f"/api/holds/{released}", headers=_auth(released))
    _error(_book(client, released, "k-g2"), 409, "hold_released")
    expired = _hold(client, world, ["G3"])
    world.clock.advance(61)
    _error(_book(client, expired, "k-g3"), 409, "hold_expired")


def test_bad_booking_bodies_are_422(client: TestClient, world: World) -> None:
    hold_id = _hold(client, world, ["H1"])
    _error(_book(client, hold_id, "k-h1", customer={"name": "", "email": "ada@example.com"}), 422, "validation_error")
    _error(_book(client, hold_id, "k-h2", customer={"name": "Ada", "email": "not-an-email"}), 422, "validation_error")
    _error(
        client.post("/api/bookings", json={"hold_id": hold_id}, headers={"Idempotency-Key": "k-h3"}),
        422,
        "validation_error",
    )


def test_confirmation_not_ready_until_sent(client: TestClient, world: World) -> None:
    hold_id = _hold(client, world, ["J1"])
    booking_id = _book(client, hold_id, "k-j1").json()["booking_id"]  # type: ignore[attr-defined]
    _error(
        client.get(f"/api/bookings/{booking_id}/confirmation", headers=_auth(booking_id)), 404, "confirmation_not_ready"
    )


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client: TestClient) -> None:
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    assert client.get("/api/movies", headers={"X-Request-Id": "trace-12345678"}).headers["x-request-id"] == (
        "trace-12345678"
    )
    assert client.get("/api/movies", headers={"X-Request-Id": "bad id\n"}).headers["x-request-id"] != "bad id\n"


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    spec = client.get("/api/openapi.json").json()
    assert "/api/shows/{show_id}/holds" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_wrong_method_is_405_in_the_envelope(client: TestClient) -> None:
    _error(client.put("/api/movies"), 405, "method_not_allowed")


def test_an_unexpected_failure_is_a_clean_500_envelope(client: TestClient, world: World) -> None:
    async def boom() -> None:
        raise RuntimeError("bug")

    world.services.catalog.list_movies = boom  # type: ignore[assignment,method-assign]
    err = _error(client.get("/api/movies"), 500, "internal_error")
    assert "bug" not in str(err["message"])
