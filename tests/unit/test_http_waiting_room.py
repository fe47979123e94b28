"""The waiting room over HTTP: 429 with a ticket and Retry-After, then the same request with the ticket."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from api.adapters.admission_memory import MemoryRoomStore
from api.http.app import create_app
from api.service.admission import RoomPolicy, WaitingRoom
from tests.support.builders import World, make_world


def _client(**policy: object) -> tuple[TestClient, World]:
    world = asyncio.run(make_world())
    settings = {"enabled": True, "max_in_flight": 0, "admit_per_s": 4.0, "state_cache_ms": 0} | policy
    world.services.room = WaitingRoom(MemoryRoomStore(), world.clock, RoomPolicy(**settings), signing_key="k")  # type: ignore[arg-type]
    return TestClient(create_app(world.services.settings, services=world.services, observers=[])), world


def test_a_saturated_hold_path_answers_429_with_a_place_in_line_and_retry_after() -> None:
    client, world = _client()
    r = client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1"]})
    assert r.status_code == 429
    assert r.headers["retry-after"] == "1"
    assert r.headers["x-error-code"] == "waiting_room_queued"
    err = r.json()["error"]
    assert err["message"] == "You're in line: position 1, about 1 s."
    assert err["details"]["position"] == 1
    assert err["details"]["retry_after_ms"] == 250
    assert err["details"]["ticket"].startswith("1.")


def test_the_ticket_sent_back_after_its_turn_gets_the_hold() -> None:
    client, world = _client()
    url = f"/api/shows/{world.show_id}/holds"
    ticket = client.post(url, json={"seat_ids": ["A1"]}).json()["error"]["details"]["ticket"]
    early = client.post(url, json={"seat_ids": ["A1"]}, headers={"X-Waiting-Room-Ticket": ticket})
    assert early.status_code == 429
    assert early.json()["error"]["details"]["ticket"] == ticket
    world.clock.advance(0.25)  # one place at 4 a second
    r = client.post(url, json={"seat_ids": ["A1"]}, headers={"X-Waiting-Room-Ticket": ticket})
    assert r.status_code == 201
    assert r.json()["seat_ids"] == ["A1"]


def test_a_full_waiting_room_refuses_with_its_own_code() -> None:
    client, world = _client(max_line=1, admit_per_s=0.01)
    url = f"/api/shows/{world.show_id}/holds"
    assert client.post(url, json={"seat_ids": ["A1"]}).status_code == 429
    r = client.post(url, json={"seat_ids": ["A2"]})
    assert r.status_code == 429
    assert r.headers["retry-after"] == "30"
    assert r.json()["error"]["code"] == "waiting_room_full"


def test_a_ticket_header_longer_than_80_characters_is_a_validation_error() -> None:
    client, world = _client()
    r = client.post(
        f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1"]}, headers={"X-Waiting-Room-Ticket": "9" * 81}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


def test_the_line_is_readable_at_get_waiting_room() -> None:
    client, world = _client()
    client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1"]})
    r = client.get("/api/waiting-room")
    assert r.status_code == 200
    assert r.json() == {"enabled": True, "line": 1, "issued": 1, "serving": 0, "admit_per_s": 4.0}


def test_the_waiting_room_status_writes_no_emf_line_but_a_queued_hold_does() -> None:
    import io

    from api.http.metrics import EmfObserver

    world = asyncio.run(make_world())
    policy = RoomPolicy(enabled=True, max_in_flight=0, state_cache_ms=0)
    world.services.room = WaitingRoom(MemoryRoomStore(), world.clock, policy, signing_key="k")
    stream = io.StringIO()
    emf = EmfObserver(world.services.settings, stream=stream)
    client = TestClient(create_app(world.services.settings, services=world.services, observers=[emf]))
    client.get("/api/waiting-room")
    assert stream.getvalue() == ""
    client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1"]})
    [line] = stream.getvalue().splitlines()
    assert '"status":429' in line
    assert '"error_code":"waiting_room_queued"' in line
