"""Hold expiry end to end, in real time: the API's services (DynamoDB Local + moto SQS, built by
bootstrap) schedule the expiry message; a local worker process runs the Lambda handler.

One scenario (TTL 5 s, the message is delivered after 6 s), several assertions:
- an expired hold's seats can be held again at once (before any message arrives),
- the stored seat items of an expired hold are released within 2 s of the message becoming visible,
- the expiry never frees a seat that another hold took meanwhile,
- a hold booked before its expiry message arrives is left untouched,
- the booking's confirmation is sent through the outbox relay and the booking-events handler.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import open_dynamodb
from api.adapters.sqs import ensure_queues, open_sqs
from api.bootstrap import Services, build_services
from api.service.bookings import BookingRequest
from api.service.demo_catalog import catalog
from api.settings import Settings
from labctl.local import worker_launcher

REPO_ROOT = Path(__file__).resolve().parents[2]
TTL_S = 5
MESSAGE_DELAY_S = TTL_S + 1  # HoldService schedules ttl + 1
RELEASE_BUDGET_S = 2.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


@dataclass
class Outcome:
    show_id: str
    expired_hold: str
    reheld_hold: str
    solo_hold: str
    booked_hold: str
    booking_id: str
    rehold_after_expiry_s: float
    release_delay_s: float
    confirmation_after_s: float
    seats: dict[str, dict[str, Any]]
    hold_status: dict[str, str]


async def _seat(ddb: Any, table: str, show_id: str, seat_id: str) -> dict[str, Any]:
    res = await ddb.get_item(TableName=table, Key=I.seat_key(show_id, seat_id), ConsistentRead=True)
    return {k: next(iter(v.values())) for k, v in res["Item"].items()}


async def _hold_status(ddb: Any, table: str, hold_id: str) -> str:
    res = await ddb.get_item(TableName=table, Key=I.hold_key(hold_id), ConsistentRead=True)
    return str(res["Item"]["status"]["S"])


async def _wait_ready(err_file: Path, proc: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = await asyncio.to_thread(err_file.read_text)
        if "worker_ready" in text:
            return
        assert proc.poll() is None, text[-2000:]
        await asyncio.sleep(0.1)
    raise AssertionError(f"worker not ready in {timeout_s}s")


async def _scenario(services: Services, ddb: Any, table: str) -> Outcome:
    holds, bookings = services.holds, services.bookings
    show_id = catalog(datetime.now(UTC).date(), 1)[1][0].id
    t_scheduled = time.monotonic()  # the messages are sent after this instant: they are visible >= +6 s
    expired = (await holds.create(show_id, ["A1", "A2"])).hold.hold_id
    solo = (await holds.create(show_id, ["B1"])).hold.hold_id
    booked_hold = (await holds.create(show_id, ["C1"])).hold
    booked = booked_hold.hold_id
    request = BookingRequest(booked, "Ada Lovelace", "ada@example.com", "tok_visa")
    placed = (await bookings.book(f"k-{uuid.uuid4().hex}", request, hold_token=booked_hold.hold_token)).booking
    booking_id, booking_token = placed.booking_id, placed.booking_token
    t_booked = time.monotonic()

    confirmation_after = -1.0
    while time.monotonic() - t_booked < 10:
        if (await bookings.get(booking_id, booking_token)).notification.status == "sent":
            confirmation_after = time.monotonic() - t_booked
            break
        await asyncio.sleep(0.1)

    # The hold expires after TTL_S: its seat can be held again at once, before any message arrives.
    expires_at = (await holds.get(expired)).expires_at
    await asyncio.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    t_expired = time.monotonic()
    reheld = (await holds.create(show_id, ["A1"])).hold.hold_id
    rehold_after = time.monotonic() - t_expired

    visible_at = t_scheduled + MESSAGE_DELAY_S
    released_at = None
    while time.monotonic() < visible_at + 10:
        if (await _seat(ddb, table, show_id, "B1"))["status"] == "available":
            released_at = time.monotonic()
            break
        await asyncio.sleep(0.05)
    assert released_at is not None, "B1 was never released"
    # Let the worker also finish the other two expiry messages of this batch.
    await asyncio.sleep(0.5)
    seats = {s: await _seat(ddb, table, show_id, s) for s in ("A1", "A2", "B1", "C1")}
    status = {h: await _hold_status(ddb, table, h) for h in (expired, solo, booked, reheld)}
    return Outcome(
        show_id,
        expired,
        reheld,
        solo,
        booked,
        booking_id,
        rehold_after,
        released_at - visible_at,
        confirmation_after,
        seats,
        status,
    )


@pytest.fixture(scope="module")
async def outcome(
    dynamodb_local: str, moto_server: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Outcome]:
    from api.adapters.dynamodb.schema import ensure_table

    table = f"exp-{uuid.uuid4().hex[:10]}"
    logs = tmp_path_factory.mktemp("expiry-worker")
    async with AsyncExitStack() as stack:
        ddb = await open_dynamodb(stack, region="us-east-1", endpoint_url=dynamodb_local)
        sqs = await open_sqs(stack, region="us-east-1", endpoint_url=moto_server)
        await ensure_table(ddb, table, REPO_ROOT / "contracts")
        urls = await ensure_queues(sqs, REPO_ROOT / "contracts", prefix=f"exp-{uuid.uuid4().hex[:6]}-")
        env = {
            "STORE": "dynamodb",
            "TABLE_NAME": table,
            "DYNAMODB_ENDPOINT_URL": dynamodb_local,
            "SQS_ENDPOINT_URL": moto_server,
            "HOLD_EXPIRY_QUEUE_URL": urls["hold_expiry"],
            "BOOKING_EVENTS_QUEUE_URL": urls["booking_events"],
            "HOLD_TTL_SECONDS": str(TTL_S),
        }
        settings = Settings(
            store="dynamodb",
            table_name=table,
            dynamodb_endpoint_url=dynamodb_local,
            sqs_endpoint_url=moto_server,
            hold_expiry_queue_url=urls["hold_expiry"],
            booking_events_queue_url=urls["booking_events"],
            hold_ttl_seconds=TTL_S,
            seat_map_cache_ms=0,
            seat_counts_cache_ms=0,
            payment_slow_delay_ms=0,
        )
        services = await build_services(settings)
        stack.push_async_callback(services.aclose)
        movies, shows = catalog(datetime.now(UTC).date(), 1)
        await services.stores.catalog.put_catalog(movies, shows[:1])

        out, err = (logs / "worker.out").open("wb"), (logs / "worker.err").open("wb")
        # batching_window=0: the release latency is under test here, not Lambda's batching window
        opts = worker_launcher.WorkerOptions(
            visibility_timeout=5, wait_seconds=1, sweep_interval=1.0, batching_window=0
        )
        proc = worker_launcher.launch(env, opts, stdout=out, stderr=err)
        try:
            await _wait_ready(logs / "worker.err", proc)
            result = await _scenario(services, ddb, table)
        finally:
            code = worker_launcher.stop(proc)
            out.close()
            err.close()
        assert code == 0, (logs / "worker.err").read_text()[-2000:]
        print(
            f"\nexpiry e2e: re-hold {result.rehold_after_expiry_s * 1000:.0f} ms after expiry; "
            f"seat release {result.release_delay_s * 1000:.0f} ms after the message became visible; "
            f"confirmation sent {result.confirmation_after_s * 1000:.0f} ms after booking"
        )
        yield result


def test_an_expired_holds_seats_can_be_held_again_at_once(outcome: Outcome) -> None:
    assert outcome.rehold_after_expiry_s < 1.0
    assert outcome.seats["A1"]["status"] == "held"
    assert outcome.seats["A1"]["hold_id"] == outcome.reheld_hold


def test_expired_seats_are_released_within_two_seconds_of_the_message_becoming_visible(outcome: Outcome) -> None:
    assert 0 <= outcome.release_delay_s <= RELEASE_BUDGET_S
    assert outcome.seats["B1"]["status"] == "available"
    assert outcome.hold_status[outcome.solo_hold] == "released"


def test_the_expiry_frees_only_the_seats_its_hold_still_owns(outcome: Outcome) -> None:
    assert outcome.hold_status[outcome.expired_hold] == "released"
    assert outcome.seats["A2"]["status"] == "available"
    assert outcome.hold_status[outcome.reheld_hold] == "active"


def test_a_hold_booked_before_its_expiry_message_is_left_untouched(outcome: Outcome) -> None:
    assert outcome.hold_status[outcome.booked_hold] == "booked"
    assert outcome.seats["C1"]["status"] == "booked"
    assert outcome.seats["C1"]["booking_id"] == outcome.booking_id


def test_the_booking_confirmation_is_sent_through_the_outbox_and_the_worker(outcome: Outcome) -> None:
    assert 0 <= outcome.confirmation_after_s < 5.0
