"""The one composition root: Settings -> adapters -> services. Nothing else in api/ builds an adapter.

Entry points: `build_services` (the API; per Lambda environment via api/environment.py), `open_worker_io`
(the local worker's queues) and `seed_catalog` (`python -m api.seed`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from api.adapters.admission_memory import MemoryRoomStore
from api.adapters.clock import SystemClock
from api.adapters.memory import MemoryStore, RecordingScheduler
from api.adapters.payment_mock import MockPaymentGateway
from api.adapters.secrets import with_secrets
from api.domain.errors import DependencyUnavailable
from api.service.admission import AdmissionStore, RoomPolicy, WaitingRoom
from api.service.bookings import BookingService
from api.service.catalog import CatalogService
from api.service.demo_catalog import catalog as demo_catalog
from api.service.holds import HoldService
from api.service.limits import ClientLimits, Rate, RateLimiter, SeatCap
from api.service.notifications import NotificationService
from api.service.outbox import NoQueue, OutboxService
from api.service.ports import (
    BookingStore,
    CatalogStore,
    Clock,
    EventPublisher,
    HoldExpiryScheduler,
    PaymentGateway,
    Readiness,
    SeatLockStore,
)
from api.settings import Settings

if TYPE_CHECKING:
    from api.adapters.dynamodb.client import DynamoClient
    from api.adapters.sqs import MessageAttribute as MessageAttribute
    from api.adapters.sqs import ReceivedMessage as ReceivedMessage
    from api.adapters.sqs import SqsApi

RELAY_TIMEOUT_S = 1.0  # bound on the post-commit relay added to a booking request


@dataclass(frozen=True)
class Stores:
    """The store ports of one backend (DynamoDB, or the in-process memory store)."""

    catalog: CatalogStore
    seats: SeatLockStore
    bookings: BookingStore
    readiness: Readiness


@dataclass
class Services:
    settings: Settings
    clock: Clock
    stores: Stores
    catalog: CatalogService
    holds: HoldService
    bookings: BookingService
    notifications: NotificationService
    room: WaitingRoom  # admission control on POST holds (ADR 0022)
    outbox: OutboxService | None = None  # relays and sweeps booking events when their queue is configured
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    # dependencies the service works without, for a while (GET /readyz reports each): name -> ping
    probes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)

    async def ready(self) -> None:
        """Raise if the database does not answer (GET /readyz)."""
        await self.stores.readiness.ping()

    async def aclose(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.stack.aclose()


def memory_stores(store: MemoryStore) -> Stores:
    return Stores(store, store, store, store)  # one object implements every port


def wire(
    settings: Settings,
    stores: Stores,
    *,
    clock: Clock | None = None,
    scheduler: HoldExpiryScheduler | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    room: AdmissionStore | None = None,
) -> Services:
    """Build the services over one backend's stores (the waiting room's counters in memory unless given)."""
    clock = clock or SystemClock()
    catalog = CatalogService(
        stores.catalog,
        stores.seats,
        clock,
        cache_ms=settings.seat_map_cache_ms,
        catalog_ms=settings.catalog_cache_ms,
        counts_ms=settings.seat_counts_cache_ms,
    )
    limits = ClientLimits(
        RateLimiter(clock),
        SeatCap(settings.seat_cap_per_show),
        hold_rate=Rate(settings.hold_rate_burst, settings.hold_rate_per_s),
        booking_rate=Rate(settings.booking_rate_burst, settings.booking_rate_per_s),
    )
    holds = HoldService(
        stores.seats,
        catalog,
        clock,
        scheduler or RecordingScheduler(),
        hold_ttl_seconds=settings.hold_ttl_seconds,
        limits=limits,
    )
    pay = payments or MockPaymentGateway(slow_delay_ms=settings.payment_slow_delay_ms)
    bookings = BookingService(stores.bookings, holds, catalog, pay, clock, events or NoQueue())
    notes = NotificationService(stores.bookings, catalog, clock, signing_key=settings.confirmation_signing_key)
    key = settings.confirmation_signing_key
    waiting = WaitingRoom(room or MemoryRoomStore(), clock, room_policy(settings), signing_key=key)
    return Services(settings, clock, stores, catalog, holds, bookings, notes, waiting)


def room_policy(settings: Settings) -> RoomPolicy:
    return RoomPolicy(
        enabled=settings.waiting_room_enabled,
        max_in_flight=settings.waiting_room_max_in_flight,
        budget_ms=settings.waiting_room_budget_ms,
        admit_per_s=settings.waiting_room_admit_per_s,
        max_line=settings.waiting_room_max_line,
    )


async def open_data_client(stack: AsyncExitStack, settings: Settings) -> DynamoClient:
    """The DynamoDB client of the request path and the workers: aiodynamo, or aiobotocore to compare."""
    if settings.dynamodb_client == "botocore":
        from api.adapters.dynamodb.client import BotocoreClient, open_dynamodb

        raw = await open_dynamodb(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)
        return BotocoreClient(raw)
    from api.adapters.dynamodb.wire import open_wire

    return await open_wire(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)


def dynamo_stores(client: DynamoClient, table_name: str, clock: Clock, *, unsafe: bool = False) -> Stores:
    """The store ports on one DynamoDB table, split by access pattern."""
    from api.adapters.dynamodb.bookings import DynamoBookings
    from api.adapters.dynamodb.catalog import DynamoCatalog
    from api.adapters.dynamodb.seat_locks import DynamoSeatLocks
    from api.adapters.dynamodb.table import Table

    table = Table(client, table_name)
    seats = DynamoSeatLocks(table, clock, unsafe=unsafe)
    return Stores(DynamoCatalog(table), seats, DynamoBookings(table, unsafe=unsafe), table)


def _outbox(
    client: DynamoClient, sqs: SqsApi, settings: Settings, clock: Clock, *, timeout_s: float, background: bool = False
) -> OutboxService:
    """The outbox relay: pending events in the table, sent to the booking-events queue."""
    from api.adapters.dynamodb.outbox import DynamoOutbox
    from api.adapters.dynamodb.table import Table
    from api.adapters.sqs import SqsEventPublisher

    queue = SqsEventPublisher(sqs, str(settings.booking_events_queue_url))
    store = DynamoOutbox(Table(client, settings.table_name), clock)
    return OutboxService(store, queue, clock, timeout_s=timeout_s, in_background=background)


async def build_services(settings: Settings, *, long_running: bool = False) -> Services:
    """Create adapters for the configured store and wire the services (call once per process).

    long_running: a server (uvicorn) whose loop runs between requests, so work may be left to background
    tasks (batched hold-expiry messages, the post-commit relay); a frozen Lambda environment runs none.
    """
    if settings.store == "memory":
        mem = MemoryStore()
        movies, shows = demo_catalog(datetime.now(UTC).date(), 7)
        await mem.put_catalog(movies, shows)
        services = wire(settings, memory_stores(mem))
        services.background.append(asyncio.create_task(mem.deliver_outbox(services.notifications.send_confirmation)))
        return services

    stack = AsyncExitStack()
    clock = SystemClock()
    settings = await with_secrets(settings)
    client = await open_data_client(stack, settings)
    stores = dynamo_stores(client, settings.table_name, clock, unsafe=settings.seat_lock_mode == "unsafe")
    scheduler: HoldExpiryScheduler | None = None
    outbox: OutboxService | None = None
    probes: dict[str, Callable[[], Awaitable[None]]] = {}
    if settings.hold_expiry_queue_url or settings.booking_events_queue_url:
        from api.adapters.sqs import SqsHoldExpiryScheduler, SqsProbe, open_sqs

        # Request path: short timeouts and 2 attempts (a failed send is tolerated: see HoldService, ADR 0011).
        region, endpoint = settings.aws_region, settings.sqs_endpoint_url
        sqs = await open_sqs(stack, region=region, endpoint_url=endpoint, read_timeout=2, attempts=2)
        urls = [u for u in (settings.hold_expiry_queue_url, settings.booking_events_queue_url) if u]
        probes["sqs"] = SqsProbe(sqs, urls).ping
        if settings.hold_expiry_queue_url and long_running:
            from api.adapters.sqs_batch import BatchedHoldExpiryScheduler

            batched = BatchedHoldExpiryScheduler(sqs, settings.hold_expiry_queue_url)
            stack.push_async_callback(batched.aclose)  # runs before the SQS client closes (LIFO)
            scheduler = batched
        elif settings.hold_expiry_queue_url:
            scheduler = SqsHoldExpiryScheduler(sqs, settings.hold_expiry_queue_url)
        if settings.booking_events_queue_url:
            outbox = _outbox(client, sqs, settings, clock, timeout_s=RELAY_TIMEOUT_S, background=long_running)
            stack.push_async_callback(outbox.aclose)  # before the SQS client closes (LIFO)
    from api.adapters.dynamodb.admission import DynamoRoomStore
    from api.adapters.dynamodb.table import Table

    room = DynamoRoomStore(Table(client, settings.table_name))
    services = wire(settings, stores, clock=clock, scheduler=scheduler, events=outbox, room=room)
    services.stack = stack
    services.outbox = outbox
    services.probes = probes
    return services


class QueueClient(Protocol):
    """What the local worker's pollers need from one queue (SqsQueueClient): messages as SQS returns them."""

    async def arn(self) -> str: ...
    async def receive(
        self, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[ReceivedMessage]: ...
    async def delete(self, receipt_handles: Sequence[str]) -> int: ...


@dataclass
class WorkerIO:
    """The local worker's SQS clients per contract queue key, and the outbox it sweeps."""

    queues: dict[str, QueueClient]
    outbox: OutboxService | None
    stack: AsyncExitStack

    async def aclose(self) -> None:
        await self.stack.aclose()


async def open_worker_io(settings: Settings) -> WorkerIO:
    """SQS clients for the queues configured in settings, and the outbox when the booking queue is set."""
    from api.adapters.sqs import SqsQueueClient, open_sqs

    stack = AsyncExitStack()
    sqs = await open_sqs(stack, region=settings.aws_region, endpoint_url=settings.sqs_endpoint_url)
    urls = {"hold_expiry": settings.hold_expiry_queue_url, "booking_events": settings.booking_events_queue_url}
    queues: dict[str, QueueClient] = {key: SqsQueueClient(sqs, url) for key, url in urls.items() if url}
    outbox = None
    if settings.booking_events_queue_url and settings.store == "dynamodb":
        data = await open_data_client(stack, settings)
        outbox = _outbox(data, sqs, settings, SystemClock(), timeout_s=RELAY_TIMEOUT_S)
    return WorkerIO(queues, outbox, stack)


@dataclass(frozen=True)
class SeedReport:
    """What `python -m api.seed` prints."""

    table: str
    table_created: bool
    movies: int
    shows: int
    items_written: int


async def seed_catalog(settings: Settings, *, days: int, create_table: bool) -> SeedReport:
    """Create the table (if asked) and load the demo catalog for `days` days from today (safe to re-run).

    Raises DependencyUnavailable, whatever DynamoDB answered (a failed catalog seed: retry it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from api.adapters.dynamodb.catalog import DynamoCatalog
    from api.adapters.dynamodb.client import BotocoreClient, DynamoError, open_dynamodb
    from api.adapters.dynamodb.schema import ensure_table
    from api.adapters.dynamodb.table import Table

    try:
        async with AsyncExitStack() as stack:
            raw = await open_dynamodb(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)
            created = await ensure_table(raw, settings.table_name, settings.contracts_dir) if create_table else False
            movies, shows = demo_catalog(datetime.now(UTC).date(), days)
            written = await DynamoCatalog(Table(BotocoreClient(raw), settings.table_name)).put_catalog(movies, shows)
    except (DynamoError, ClientError, BotoCoreError) as err:
        raise DependencyUnavailable(str(err)) from err
    return SeedReport(settings.table_name, created, len(movies), len(shows), written)
