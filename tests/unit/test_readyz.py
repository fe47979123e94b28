"""GET /readyz reports each dependency: the store (required) and the queues (degraded, never a 503)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.domain.errors import DependencyUnavailable
from api.http.app import create_app
from api.http.routers import health
from tests.support.builders import World, make_world


@pytest.fixture
def world() -> World:
    return asyncio.run(make_world(hold_ttl=60, slow_ms=10))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.services.settings, services=world.services), raise_server_exceptions=False) as c:
        yield c


async def _fine() -> None:
    return None


async def _refused() -> None:
    raise DependencyUnavailable("not reachable (EndpointConnectionError)")


async def _hangs() -> None:
    await asyncio.sleep(30)


def test_every_dependency_ready_is_200_ready(client: TestClient, world: World) -> None:
    world.services.probes["sqs"] = _fine
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["dependencies"] == {"memory": {"status": "ready"}, "sqs": {"status": "ready"}}


def test_a_queue_outage_is_200_degraded_with_its_reason(client: TestClient, world: World) -> None:
    world.services.probes["sqs"] = _refused
    res = client.get("/readyz")
    assert res.status_code == 200  # bookings still work: the load balancer must keep sending traffic
    assert res.json()["status"] == "degraded"
    assert res.json()["dependencies"]["sqs"] == {
        "status": "degraded",
        "reason": "not reachable (EndpointConnectionError)",
    }


def test_a_dependency_that_hangs_is_degraded_after_the_probe_timeout(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "PROBE_TIMEOUT_S", 0.05)
    world.services.probes["sqs"] = _hangs
    sqs = client.get("/readyz").json()["dependencies"]["sqs"]
    assert sqs == {"status": "degraded", "reason": "no answer within 0.05 s"}


def test_without_the_store_readyz_is_503_and_names_every_dependency(client: TestClient, world: World) -> None:
    world.services.probes["sqs"] = _fine
    world.services.stores.readiness.ping = _refused  # type: ignore[method-assign]
    res = client.get("/readyz")
    assert res.status_code == 503
    err = res.json()["error"]
    assert err["code"] == "dependency_unavailable"
    assert err["details"]["dependencies"]["sqs"] == {"status": "ready"}
    assert err["details"]["dependencies"]["memory"]["status"] == "degraded"
