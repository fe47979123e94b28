"""Hold-expiry and booking messages, 5% poison, through the local lab's queue service (SQS), DynamoDB Local
and three local worker processes running the real Lambda handlers: 1,000 on every run, 10,000 at night
(`make test-nightly`).

Every good message has exactly one effect (counted in DynamoDB and in the handlers' EMF metrics),
every poison message is received exactly 3 times and ends in its DLQ once, nothing is lost. (On
moto's SQS this needed its calls serialized behind one lock: it is neither thread-safe nor O(1) per
message; the lab's own queue service is both, ADR 0015.)
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import open_dynamodb
from api.adapters.sqs import ensure_queues, event_body, hold_expiry_body, open_sqs
from api.domain.model import Booking, Customer, Hold, Movie, Show
from api.service.ports import OutboxEvent
from labctl.local import worker_launcher

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
VISIBILITY_S = 2
IN_FLIGHT = 100  # messages on a queue before the producer waits

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@dataclass(frozen=True)
class Size:
    per_queue: int
    poison: int  # per queue: 5% of all messages
    duplicates: int  # per queue: good messages sent twice (at-least-once delivery)

    @property
    def distinct(self) -> int:
        return self.per_queue - self.poison - self.duplicates


SIZES = [
    pytest.param(Size(per_queue=500, poison=25, duplicates=10), id="1k"),
    # the same run ten times larger (~145 s on 2 cores): nightly, not on every push
    pytest.param(Size(per_queue=5000, poison=250, duplicates=100), id="10k", marks=pytest.mark.nightly),
]


def emf_totals(text: str) -> Counter[str]:
    """Sum every EMF metric in a worker's stdout."""
    total: Counter[str] = Counter()
    for line in text.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = doc[metric["Name"]]
                total[metric["Name"]] += int(sum(values) if isinstance(values, list) else values)
    return total


async def _batch_write(ddb: Any, table: str, items: list[I.Item]) -> None:
    sem = asyncio.Semaphore(8)

    async def one(chunk: list[I.Item]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": it}} for it in chunk]}
        async with sem:
            while request:
                res = await ddb.batch_write_item(RequestItems=request)
                request = res.get("UnprocessedItems") or {}

    await asyncio.gather(*(one(items[i : i + 25]) for i in range(0, len(items), 25)))


def _seed_items(size: Size, now: datetime) -> tuple[list[I.Item], list[Hold], list[Booking]]:
    """Active expired holds (one held seat each), pending bookings, and the catalog the notices need."""
    movie = Movie("mv-load", "Load Test", "x", 90, "PG", ("drama",))
    show = Show("sh-load", movie.id, "1", now + timedelta(days=1), 1200, "EUR", "ABCDEFGHIJ", 12)
    items: list[I.Item] = [I.movie_item(movie), I.show_item(show)]
    holds, bookings = [], []
    for n in range(size.distinct):
        hold = Hold(
            f"hold_{n:05d}", f"sh-{n // 120}", (f"S{n % 120}",), now - timedelta(minutes=6), now - timedelta(minutes=1)
        )
        holds.append(hold)
        items.append(I.hold_item(hold))
        seat = I.seat_item(hold.show_id, hold.seat_ids[0])
        items.append(
            seat | {"status": I.s("held"), "hold_id": I.s(hold.id), "hold_expires_at": I.n(I.ms(hold.expires_at))}
        )
        booking = Booking(
            f"bkg_{n:05d}",
            f"MTB-{n:06d}",
            show.id,
            f"hold_b{n}",
            ("A1",),
            1200,
            "EUR",
            Customer("Ada", "ada@example.com"),
            f"ch_{n}",
            now,
        )
        bookings.append(booking)
        items.append(I.booking_item(booking))
    return items, holds, bookings


def _messages(
    size: Size, holds: list[Hold], bookings: list[Booking], now: datetime
) -> tuple[list[str], list[str], set[str], set[str]]:
    rng = random.Random(7)
    hold_bodies = [hold_expiry_body(h) for h in holds]
    hold_bodies += rng.sample(hold_bodies, size.duplicates)
    hold_poison = {f'{{"type": "hold_expiry", "hold_id": "poison-{n}"' for n in range(size.poison)}  # truncated JSON
    booking_bodies = [
        event_body(OutboxEvent(f"evt_{b.id}", "booking_confirmed", {"booking_id": b.id}, now)) for b in bookings
    ]
    booking_bodies += rng.sample(booking_bodies, size.duplicates)
    booking_poison = {
        event_body(OutboxEvent(f"evt_p{n}", "booking_confirmed", {"booking_id": f"bkg_missing_{n}"}, now))
        for n in range(size.poison // 2)
    } | {
        json.dumps({"event_id": f"evt_q{n}", "type": "booking_confirmed"})
        for n in range(size.poison - size.poison // 2)
    }
    hold_all = hold_bodies + sorted(hold_poison)
    booking_all = booking_bodies + sorted(booking_poison)
    rng.shuffle(hold_all)
    rng.shuffle(booking_all)
    return hold_all, booking_all, hold_poison, booking_poison


async def _send_all(sqs: Any, url: str, bodies: list[str]) -> None:
    """Send every body, keeping at most IN_FLIGHT messages on the queue.

    Producing at the consumers' pace keeps the queue shallow (as in production, where a queue that never
    drains is an alarm).
    """
    t0 = time.monotonic()
    for i in range(0, len(bodies), 10):
        if i % 1000 == 0:
            print(f"  {url.rsplit('/', 1)[-1]}: {i} sent after {time.monotonic() - t0:.1f}s", flush=True)
        await _wait_until_below(sqs, url, IN_FLIGHT)
        entries = [{"Id": str(n), "MessageBody": b} for n, b in enumerate(bodies[i : i + 10])]
        res = await sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert len(res.get("Successful", [])) == len(entries)


async def _wait_until_below(sqs: Any, url: str, limit: int) -> None:
    for _ in range(6000):  # 5 minutes at most
        if await _depth(sqs, url) <= limit:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} stayed above {limit} messages")


async def _depth(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attrs = (await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names))["Attributes"]
    return sum(int(attrs.get(n, 0)) for n in names)


async def _drain(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        res = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60)
        if not res.get("Messages"):
            return bodies
        bodies += [m["Body"] for m in res["Messages"]]


async def _scan(ddb: Any, table: str, kind: str) -> list[I.Item]:
    out: list[I.Item] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "#t = :t",
        "ExpressionAttributeNames": {"#t": "type"},
        "ExpressionAttributeValues": {":t": I.s(kind)},
    }
    while True:
        page = await ddb.scan(**kwargs)
        out += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
async def clients(dynamodb_local: str, sqs_server: str) -> AsyncIterator[tuple[Any, Any]]:
    async with AsyncExitStack() as stack:
        ddb = await open_dynamodb(stack, region="us-east-1", endpoint_url=dynamodb_local)
        sqs = await open_sqs(stack, region="us-east-1", endpoint_url=sqs_server)
        yield ddb, sqs


@pytest.mark.parametrize("size", SIZES)
async def test_messages_with_five_percent_poison_each_good_one_has_exactly_one_effect(
    size: Size,
    clients: tuple[Any, Any],
    fresh_table: str,
    dynamodb_local: str,
    sqs_server: str,
    tmp_path: Path,
) -> None:
    ddb, sqs = clients
    t0 = time.monotonic()
    now = datetime.now(UTC)
    urls = await ensure_queues(sqs, REPO_ROOT / "contracts", prefix=f"load-{uuid.uuid4().hex[:6]}-")
    items, holds, bookings = _seed_items(size, now)
    await _batch_write(ddb, fresh_table, items)
    hold_msgs, booking_msgs, hold_poison, booking_poison = _messages(size, holds, bookings, now)
    total_messages = len(hold_msgs) + len(booking_msgs)
    assert total_messages == 2 * size.per_queue
    t_seeded = time.monotonic()
    print(f"\nseeded {len(items)} items in {t_seeded - t0:.1f}s", flush=True)

    lab_env = {
        "STORE": "dynamodb",
        "TABLE_NAME": fresh_table,
        "DYNAMODB_ENDPOINT_URL": dynamodb_local,
        "SQS_ENDPOINT_URL": sqs_server,
        "HOLD_EXPIRY_QUEUE_URL": urls["hold_expiry"],
        "BOOKING_EVENTS_QUEUE_URL": urls["booking_events"],
        "LOG_LEVEL": "WARNING",
        "METRICS_NAMESPACE": "Labctl/Test",
    }
    # batching_window=0: the producer keeps the queues shallow, so batches are often short; waiting 1 s for
    # each (Lambda's window) would only slow the run down
    opts = worker_launcher.WorkerOptions(
        visibility_timeout=VISIBILITY_S, wait_seconds=0, pollers=2, sweep=False, batching_window=0
    )
    outs = [(tmp_path / f"w{i}.out").open("wb") for i in range(WORKERS)]
    errs = [(tmp_path / f"w{i}.err").open("wb") for i in range(WORKERS)]
    procs = [worker_launcher.launch(lab_env, opts, stdout=outs[i], stderr=errs[i]) for i in range(WORKERS)]
    try:
        await asyncio.gather(
            _send_all(sqs, urls["hold_expiry"], hold_msgs), _send_all(sqs, urls["booking_events"], booking_msgs)
        )
        t_sent = time.monotonic()
        print(f"sent {total_messages:,} messages in {t_sent - t_seeded:.1f}s", flush=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            depths = [await _depth(sqs, urls[k]) for k in ("hold_expiry", "booking_events")]
            dlqs = [await _depth(sqs, urls[k]) for k in ("hold_expiry_dlq", "booking_events_dlq")]
            if depths == [0, 0] and dlqs == [size.poison, size.poison]:
                break
            await asyncio.sleep(0.5)
        assert depths == [0, 0], f"messages left on the source queues: {depths}"
        t_done = time.monotonic()
    finally:
        codes = [worker_launcher.stop(p) for p in procs]
        for f in outs + errs:
            f.close()
    assert codes == [0] * WORKERS, [(tmp_path / f"w{i}.err").read_text()[-2000:] for i in range(WORKERS)]

    metrics: Counter[str] = Counter()
    stats: list[dict[str, Any]] = []
    for i in range(WORKERS):
        metrics += emf_totals((tmp_path / f"w{i}.out").read_text())
        lines = [json.loads(x) for x in (tmp_path / f"w{i}.err").read_text().splitlines() if x.startswith("{")]
        stats += [x for x in lines if x["event"] == "worker_stopped"]

    def total(field: str) -> dict[str, int]:
        return {k: sum(st["queues"][k][field] for st in stats) for k in ("hold_expiry", "booking_events")}

    received, deleted, failed, undeleted = (
        total("received"),
        total("deleted"),
        total("failed"),
        total("delete_failures"),
    )
    dlq_holds = await _drain(sqs, urls["hold_expiry_dlq"])
    dlq_bookings = await _drain(sqs, urls["booking_events_dlq"])
    released = [h for h in await _scan(ddb, fresh_table, "hold") if h["status"]["S"] == "released"]
    free_seats = [s for s in await _scan(ddb, fresh_table, "seat") if s["status"]["S"] == "available"]
    notified = [b for b in await _scan(ddb, fresh_table, "booking") if b["notification_status"]["S"] == "sent"]
    notices = await _scan(ddb, fresh_table, "notice")

    print(
        f"\n{total_messages:,} messages: seed {t_seeded - t0:.1f}s, send {t_sent - t_seeded:.1f}s, "
        f"drain {t_done - t_sent:.1f}s, total {t_done - t0:.1f}s\n"
        f"  received {received}, deleted {deleted}, failed records {failed}, delete failures {undeleted}\n"
        f"  metrics {dict(sorted(metrics.items()))}\n"
        f"  DLQ hold-expiry {len(dlq_holds)} booking-events {len(dlq_bookings)}; "
        f"holds released {len(released)}, seats freed {len(free_seats)}, "
        f"bookings notified {len(notified)}, notices {len(notices)}"
    )
    # Nothing lost: the source queues are empty, every poison message sits in its DLQ exactly once.
    assert sorted(dlq_holds) == sorted(hold_poison)
    assert sorted(dlq_bookings) == sorted(booking_poison)
    # Exactly one effect per good message, in the table and in the handlers' own counts.
    assert len(released) == len(free_seats) == size.distinct
    assert len(notified) == len(notices) == size.distinct
    assert metrics["HoldsExpired"] == size.distinct
    assert metrics["ConfirmationsSent"] == size.distinct
    # Duplicates had no effect (at least the ones we sent; a lapsed visibility timeout may add some).
    assert metrics["HoldExpiryNoops"] >= size.duplicates
    assert metrics["DuplicateDeliveries"] >= size.duplicates
    assert metrics["HoldsExpired"] + metrics["HoldExpiryNoops"] == received["hold_expiry"] - failed["hold_expiry"]
    assert metrics["ConfirmationsSent"] + metrics["DuplicateDeliveries"] == (
        received["booking_events"] - failed["booking_events"]
    )
    # Each poison message was received exactly maxReceiveCount (3) times, failing alone each time.
    assert failed == {"hold_expiry": 3 * size.poison, "booking_events": 3 * size.poison}
    assert metrics["MessagesFailed"] == 6 * size.poison
    # Every receive is accounted for: deleted, reported failed, or (receipt expired) left to come back.
    for key in received:
        assert received[key] == deleted[key] + failed[key] + undeleted[key]
