"""Seat locks and idempotent bookings under real concurrency: real HTTP server on DynamoDB Local."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import httpx
import pytest

from tests.support.api_server import run_api, seed_table

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Api:
    base: str
    table: str
    endpoint: str


@pytest.fixture(scope="module")
def api(dynamodb_local: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    table = "concurrency"
    seed_table(dynamodb_local, table)
    env = {
        "STORE": "dynamodb",
        "DYNAMODB_ENDPOINT_URL": dynamodb_local,
        "TABLE_NAME": table,
        "PAYMENT_SLOW_DELAY_MS": "400",
        "SEAT_MAP_CACHE_MS": "0",
        # 50 buyers sent at once from one address, before any has a cookie: all would be the same client for
        # the per-client limits (ADR 0021), which are not what this module tests
        "HOLD_RATE_BURST": "100000",
        "BOOKING_RATE_BURST": "100000",
        "SEAT_CAP_PER_SHOW": "1000",
    }
    with run_api(env, tmp_path_factory.mktemp("api") / "api.log") as base:
        yield Api(base, table, dynamodb_local)


def _first_show(base: str) -> str:
    movies = httpx.get(f"{base}/api/movies").json()["items"]
    return str(httpx.get(f"{base}/api/movies/{movies[0]['id']}/shows").json()["items"][0]["id"])


async def _contend(
    base: str, show_id: str, pool: list[str], clients: int, seed: int
) -> list[tuple[list[str], httpx.Response]]:
    rng = random.Random(seed)
    wanted = [rng.sample(pool, rng.randint(2, 4)) for _ in range(clients)]
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        responses = await asyncio.gather(
            *(client.post(f"/api/shows/{show_id}/holds", json={"seat_ids": seats}) for seats in wanted)
        )
    return list(zip(wanted, responses, strict=True))


async def test_50_concurrent_overlapping_holds_never_share_a_seat(api: Api) -> None:
    base = api.base
    show_id = _first_show(base)
    totals: Counter[str] = Counter()
    for round_no, row in enumerate("ABC"):
        pool = [f"{row}{n}" for n in range(1, 9)]
        results = await _contend(base, show_id, pool, clients=50, seed=round_no)
        winners = [(seats, r) for seats, r in results if r.status_code == 201]
        losers = [(seats, r) for seats, r in results if r.status_code != 201]
        held_by_winners = [s for seats, _ in winners for s in seats]
        assert len(held_by_winners) == len(set(held_by_winners)), "a seat is in two active holds"
        assert winners, "someone must win each round"
        for seats, r in losers:
            assert r.status_code == 409, r.text
            err = r.json()["error"]
            assert err["code"] == "seats_unavailable"
            named = err["details"]["seat_ids"]
            assert named, "a conflict must name its seats"
            assert set(named) <= set(seats), "only requested seats may be named"
            assert set(named) <= set(held_by_winners), "every named seat is really held by a winner"
        seat_map = httpx.get(f"{base}/api/shows/{show_id}/seats").json()
        held_now = {s["id"] for s in seat_map["seats"] if s["status"] == "held" and s["row"] == row}
        assert held_now == set(held_by_winners)
        totals.update(
            attempts=len(results),
            winners=len(winners),
            conflicts=len(losers),
            server_errors=sum(r.status_code >= 500 for _, r in results),
        )
    print(f"\nseat-lock contention: {dict(totals)}")
    assert totals["server_errors"] == 0
    assert totals["attempts"] == 150


async def test_20_concurrent_bookings_with_one_key_make_exactly_one_booking(api: Api) -> None:
    base, table = api.base, api.table
    show_id = _first_show(base)
    hold = httpx.post(f"{base}/api/shows/{show_id}/holds", json={"seat_ids": ["J1", "J2"]}).json()
    body = {
        "hold_id": hold["hold_id"],
        "customer": {"name": "Grace", "email": "grace@example.com"},
        "payment": {"token": "tok_slow"},
    }
    headers = {"Idempotency-Key": "same-key-20", "Authorization": f"Bearer {hold['hold_token']}"}
    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=20), timeout=30) as client:
        first = asyncio.create_task(client.post("/api/bookings", json=body, headers=headers))
        await asyncio.sleep(0.05)
        rest = await asyncio.gather(*(client.post("/api/bookings", json=body, headers=headers) for _ in range(19)))
        responses = [await first, *rest]
        replay_after = await client.post("/api/bookings", json=body, headers=headers)
    originals = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    replays = [r for r in responses if r.status_code == 201 and r.headers.get("idempotent-replayed") == "true"]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(originals) == 1
    assert len(originals) + len(replays) + len(in_flight) == 20
    assert all(r.json()["error"]["code"] == "idempotency_request_in_progress" for r in in_flight)
    assert all(r.json() == originals[0].json() for r in replays)
    assert replay_after.status_code == 201
    assert replay_after.headers["idempotent-replayed"] == "true"
    assert replay_after.json()["booking_id"] == originals[0].json()["booking_id"]
    ddb = boto3.client("dynamodb", endpoint_url=api.endpoint, region_name="us-east-1")
    bookings = ddb.scan(
        TableName=table,
        FilterExpression="#t = :b AND hold_id = :h",
        ExpressionAttributeNames={"#t": "type"},
        ExpressionAttributeValues={":b": {"S": "booking"}, ":h": {"S": hold["hold_id"]}},
    )
    assert bookings["Count"] == 1
    print(f"\nidempotency: originals={len(originals)} replays={len(replays)} in_flight_409={len(in_flight)}")
