"""The edge guard: only CloudFront's secret header opens the API (when configured), only canonical paths route."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mangum import Mangum

from api.http.app import create_app
from api.http.edge_guard import non_canonical
from tests.support.builders import World, make_world
from tests.unit.test_lambda_handler import _Context, _event

SECRET = "Zr8Kq2v9Xw4Lm7Tn1Bc6Hd3Fg5Js0Pa"


@pytest.fixture
def world() -> World:
    return asyncio.run(make_world(hold_ttl=60, slow_ms=10))


def _client(world: World, secret: str | None) -> TestClient:
    settings = world.services.settings.model_copy(update={"origin_verify_secret": secret})
    world.services.settings = settings
    return TestClient(create_app(settings, services=world.services, observers=[]), raise_server_exceptions=False)


@pytest.fixture
def guarded(world: World) -> Iterator[TestClient]:
    with _client(world, SECRET) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/api/shows/s1/holds", False),
        ("/api/shows/s1/hold%73", True),  # 's'
        ("/api/shows/s1/%68olds", True),  # 'h'
        ("/api/shows/s1/HOLD%53", True),
        ("/api/shows/a%2Fb/holds", True),  # an encoded slash would re-split the path
        ("/api/shows/a%2fb/holds", True),
        ("/api/shows/s1/holds%7E", True),  # '~' is unreserved too
        ("/api/shows/s1/holds%zz", True),  # a broken escape
        ("/api/shows/s1/holds%4", True),
        ("/api/shows/s1/holds%+4", True),
        ("/api/movies/m%3A1", False),  # ':' encoded, as encodeURIComponent does: allowed
        ("/api/movies/caf%C3%A9", False),
        ("/api/movies/a%20b", False),
    ],
)
def test_a_path_is_canonical_unless_it_encodes_what_needs_no_encoding(path: str, refused: bool) -> None:
    assert non_canonical(path.encode()) is refused


def test_without_a_secret_the_local_lab_needs_no_header(world: World) -> None:
    with _client(world, None) as client:
        assert client.get("/api/movies").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_with_a_secret_a_request_without_the_header_is_refused(guarded: TestClient) -> None:
    for headers in ({}, {"X-Origin-Verify": "guess"}, {"X-Origin-Verify": SECRET[:-1]}):
        r = guarded.get("/api/movies", headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "origin_not_verified"
        assert r.headers["x-error-code"] == "origin_not_verified"
        assert r.json()["error"]["request_id"] == r.headers["x-request-id"]
    assert guarded.get("/api/movies", headers={"X-Origin-Verify": SECRET}).status_code == 200


def test_probes_answer_without_the_header(guarded: TestClient) -> None:
    assert guarded.get("/healthz").status_code == 200
    assert guarded.get("/readyz").status_code == 200


def test_an_encoded_hold_path_never_creates_a_hold(world: World, guarded: TestClient) -> None:
    headers = {"X-Origin-Verify": SECRET}
    for path in (f"/api/shows/{world.show_id}/hold%73", f"/api/shows/{world.show_id}/%68olds"):
        r = guarded.post(path, json={"seat_ids": ["A1"]}, headers=headers)
        assert r.status_code == 400, path
        assert r.json()["error"]["code"] == "non_canonical_path"
    seats = guarded.get(f"/api/shows/{world.show_id}/seats", headers=headers).json()["seats"]
    assert next(s for s in seats if s["id"] == "A1")["status"] == "available"
    assert (
        guarded.post(f"/api/shows/{world.show_id}/holds", json={"seat_ids": ["A1"]}, headers=headers).status_code == 201
    )


def test_the_secret_is_never_logged(guarded: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    guarded.get("/api/movies", headers={"X-Origin-Verify": SECRET})
    guarded.get("/api/movies", headers={"X-Origin-Verify": "wrong"})
    guarded.get("/api/movies")
    assert caplog.records
    assert all(SECRET not in json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert SECRET not in repr(guarded.app.state.services.settings)  # type: ignore[attr-defined]


def _lambda(world: World, secret: str | None) -> Any:
    settings = world.services.settings.model_copy(update={"origin_verify_secret": secret})
    world.services.settings = settings
    return Mangum(create_app(settings, services=world.services, observers=[]), lifespan="off")


def test_on_lambda_the_execute_api_endpoint_is_closed_without_the_header(world: World) -> None:
    handler = _lambda(world, SECRET)
    direct = handler(_event("GET", "/api/movies"), _Context())
    assert direct["statusCode"] == 403
    assert json.loads(direct["body"])["error"]["code"] == "origin_not_verified"
    via_cloudfront = handler(_event("GET", "/api/movies", headers={"x-origin-verify": SECRET}), _Context())
    assert via_cloudfront["statusCode"] == 200


def test_on_lambda_the_raw_path_decides_even_though_mangum_decodes_the_path(world: World) -> None:
    handler = _lambda(world, None)
    encoded = handler(_event("POST", f"/api/shows/{world.show_id}/hold%73", {"seat_ids": ["A1"]}), _Context())
    assert encoded["statusCode"] == 400
    assert json.loads(encoded["body"])["error"]["code"] == "non_canonical_path"
    plain = handler(_event("POST", f"/api/shows/{world.show_id}/holds", {"seat_ids": ["A1"]}), _Context())
    assert plain["statusCode"] == 201
