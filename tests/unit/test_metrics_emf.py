"""The EMF observer: one CloudWatch EMF line per API request, driven through the real app (memory store)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.metrics import EmfObserver, RouteNames, booking_outcome
from labctl.local.emf_shipper import parse_emf, to_metric_data
from tests.support.builders import World, make_world

CUSTOMER = {"name": "Ada", "email": "ada@example.com"}


@pytest.fixture
def world() -> World:
    return asyncio.run(make_world(hold_ttl=60, slow_ms=0))


@pytest.fixture
def emf(world: World) -> Iterator[tuple[TestClient, io.StringIO]]:
    out = io.StringIO()
    observer = EmfObserver(world.services.settings, stream=out)
    app = create_app(world.services.settings, services=world.services, observers=[observer])
    observer.learn_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, out


def _docs(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


HOLD_TOKENS: dict[str, str] = {}


def _hold(client: TestClient, show_id: str, seats: list[str]) -> str:
    r = client.post(f"/api/shows/{show_id}/holds", json={"seat_ids": seats})
    assert r.status_code == 201, r.text
    HOLD_TOKENS[r.json()["hold_id"]] = r.json()["hold_token"]
    return str(r.json()["hold_id"])


def _book(client: TestClient, hold_id: str, token: str, key: str) -> int:
    body = {"hold_id": hold_id, "customer": CUSTOMER, "payment": {"token": token}}
    headers = {"Idempotency-Key": key, "Authorization": f"Bearer {HOLD_TOKENS.get(hold_id, '')}"}
    return client.post("/api/bookings", json=body, headers=headers).status_code


def test_one_emf_line_per_api_request_with_the_route_template(emf, world) -> None:
    client, out = emf
    client.get(f"/api/shows/{world.show_id}/seats")
    (doc,) = _docs(out)
    assert doc["Route"] == "/api/shows/{show_id}/seats"
    assert doc["Method"] == "GET"
    assert doc["Service"] == "booking-api"
    assert (doc["Requests"], doc["Errors5xx"], doc["GoodLatency"]) == (1, 0, 1)
    assert doc["Latency"] > 0
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Labctl/Booking"
    assert directive["Dimensions"] == [["Service", "Route", "Method"], ["Service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Requests": "Count",
        "Errors5xx": "Count",
        "GoodLatency": "Count",
        "Latency": "Milliseconds",
    }


def test_health_checks_and_the_web_ui_are_not_api_traffic(emf) -> None:
    client, out = emf
    assert client.get("/healthz").status_code == 200
    client.get("/not-an-api-page")
    assert _docs(out) == []


def test_booking_outcomes_confirmed_declined_and_conflict(emf, world) -> None:
    client, out = emf
    declined_hold = _hold(client, world.show_id, ["A1"])
    assert _book(client, declined_hold, "tok_chargeDeclined", "k-declined-0001") == 402
    hold = _hold(client, world.show_id, ["A2"])
    assert _book(client, hold, "tok_visa", "k-confirmed-001") == 201
    assert _book(client, hold, "tok_visa", "k-second-00001") == 409  # hold_already_booked
    assert client.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A2"]}).status_code == 409
    bookings = [d for d in _docs(out) if d["Route"] == "/api/bookings"]
    assert [(d.get("BookingAttempts"), d.get("BookingsConfirmed"), d.get("BookingsDeclined")) for d in bookings] == [
        (1, 0, 1),
        (1, 1, None),
        (None, None, None),
    ]
    assert bookings[2]["BookingConflicts"] == 1
    conflict = _docs(out)[-1]
    assert conflict["HoldConflicts"] == 1
    assert conflict["_aws"]["CloudWatchMetrics"][1]["Dimensions"] == [["Service"]]


def test_contention_past_the_retries_is_counted_as_its_own_outcome(world) -> None:
    observer = EmfObserver(world.services.settings, stream=io.StringIO())
    observer.routes.learn(["/api/shows/{show_id}/holds", "/api/bookings"])
    hold = observer.document("/api/shows/{show_id}/holds", "POST", 503, 1.0, "seat_lock_contended", now_ms=1)
    refused = observer.document("/api/shows/{show_id}/holds", "POST", 409, 1.0, "seats_unavailable", now_ms=1)
    booking = observer.document("/api/bookings", "POST", 503, 1.0, "seat_lock_contended", now_ms=1)
    assert hold is not None
    assert refused is not None
    assert booking is not None
    assert (hold["HoldsContended"], hold["Errors5xx"], "HoldConflicts" in hold) == (1, 1, False)
    assert ("HoldsContended" in refused, refused["HoldConflicts"]) == (False, 1)
    assert (booking["BookingAttempts"], booking["BookingsContended"], booking["BookingsConfirmed"]) == (1, 1, 0)
    assert "BookingsFailed" not in booking
    names = {m["Name"] for m in hold["_aws"]["CloudWatchMetrics"][1]["Metrics"]}
    assert names == {"HoldsContended"}


def test_an_injected_fault_counts_as_5xx_on_its_route_template(world) -> None:
    out = io.StringIO()
    settings = world.services.settings.model_copy(update={"fault_5xx_rate": 1.0})
    observer = EmfObserver(settings, stream=out)
    app = create_app(settings, services=world.services, observers=[observer])
    observer.learn_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(f"/api/shows/{world.show_id}/seats").status_code == 503
        assert client.post("/api/bookings", json={}).status_code == 503
    seats, booking = _docs(out)
    assert seats["Route"] == "/api/shows/{show_id}/seats"  # routing never ran: the raw path was mapped back
    assert (seats["Errors5xx"], seats["error_code"]) == (1, "injected_fault")
    assert (booking["BookingAttempts"], booking["BookingsFailed"], booking["BookingsConfirmed"]) == (1, 1, 0)


def test_slow_requests_are_not_good_latency(world) -> None:
    observer = EmfObserver(world.services.settings, routes=["/api/movies"])
    fast = observer.document("/api/movies", "GET", 200, 299.9, None, now_ms=0)
    slow = observer.document("/api/movies", "GET", 200, 300.0, None, now_ms=0)
    assert fast is not None
    assert slow is not None
    assert (fast["GoodLatency"], slow["GoodLatency"]) == (1, 0)


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (201, None, "confirmed"),
        (402, "payment_declined", "declined"),
        (503, "injected_fault", "failed"),
        (503, "seat_lock_contended", "contended"),
        (500, "internal_error", "failed"),
        (409, "hold_expired", "hold_expired"),
        (409, "hold_already_booked", "conflict"),
        (409, "hold_released", "conflict"),
        (422, "validation_error", None),
        (404, "hold_not_found", None),
        (400, "idempotency_key_missing", None),
    ],
)
def test_booking_outcome_classification(status, code, outcome) -> None:
    assert booking_outcome("/api/bookings", "POST", status, code) == outcome
    assert booking_outcome("/api/bookings/{booking_id}", "GET", status, code) is None


def test_route_names_keep_cardinality_bounded() -> None:
    names = RouteNames(
        ["/api/movies", "/api/bookings", "/api/bookings/{booking_id}", "/api/shows/{show_id}/holds", "/healthz"]
    )
    assert names.name("/movies") == "/api/movies"  # an included router's route, reported without its prefix
    assert names.name("/shows/{show_id}/holds") == "/api/shows/{show_id}/holds"
    assert names.name("/api/bookings") == "/api/bookings"
    assert names.name("/api/bookings/b-123") == "/api/bookings/{booking_id}"
    assert names.name("/api/shows/s1/holds") == "/api/shows/{show_id}/holds"
    assert names.name("/api/what/ever/1") == "other"
    assert names.name("/healthz") is None
    assert names.name("/index.html") is None


def test_the_shipper_turns_an_emf_line_into_one_datum_per_metric_and_dimension_set(world) -> None:
    observer = EmfObserver(world.services.settings, routes=["/api/bookings"])
    doc = observer.document("/api/bookings", "POST", 402, 12.5, "payment_declined", now_ms=1_800_000_000_000)
    parsed = parse_emf(json.dumps(doc))
    assert parsed is not None
    data = to_metric_data(parsed)
    # 4 request metrics x 2 dimension sets + 3 booking counters x 1 set
    assert len(data) == 11
    by_key = {(d["MetricName"], len(d["Dimensions"])): d for _, d in data}
    assert by_key[("Latency", 3)]["Value"] == 12.5
    assert by_key[("Latency", 3)]["Unit"] == "Milliseconds"
    assert by_key[("BookingsDeclined", 1)]["Dimensions"] == [{"Name": "Service", "Value": "booking-api"}]
    assert by_key[("Requests", 1)]["Timestamp"].timestamp() == 1_800_000_000
    assert {ns for ns, _ in data} == {"Labctl/Booking"}
    assert parse_emf('{"level": "INFO", "message": "request"}') is None
    assert parse_emf("INFO: uvicorn started") is None
