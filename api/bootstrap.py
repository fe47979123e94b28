"""The one composition root: Settings -> adapters -> services.

Also the per-execution-environment services of the Lambda handlers (`environment()`) and the queue
clients of the local worker (`open_worker_io`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from api.adapters.clock import SystemClock
from api.adapters.memory import MemoryStore, RecordingScheduler
from api.adapters.payment_mock import MockPaymentGateway
from api.service.bookings import BookingService
from api.service.catalog import CatalogService
from api.service.demo_catalog import catalog as demo_catalog
from api.service.holds import HoldService
from api.service.notifications import NotificationService
from api.service.ports import BookingStore, Clock, HoldExpiryScheduler, SeatLockStore
from api.settings import DEV_SIGNING_KEY, Settings, load_settings

log = logging.getLogger("api.bootstrap")
T = TypeVar("T")
RELAY_TIMEOUT_S = 1.0  # bound on the post-commit relay added to a booking request


@dataclass
class Services:
    settings: Settings
    clock: Clock
    catalog: CatalogService
    holds: HoldService
    bookings: BookingService
    notifications: NotificationService
    store: Any  # the adapter object (readiness ping, tests)
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    scheduler: HoldExpiryScheduler | None = None  # workers re-schedule an early hold-expiry message
    relay: Any = None  # OutboxRelay when BOOKING_EVENTS_QUEUE_URL is set (sweeper)
    # dependencies the service works without, for a while (GET /readyz reports each): name -> ping
    probes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)

    async def ready(self) -> None:
        """Raise if the database does not answer (GET /readyz)."""
        ping = getattr(self.store, "ping", None)
        if ping is not None:
            await ping()

    async def aclose(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.stack.aclose()


def wire(
    settings: Settings,
    store: Any,
    *,
    clock: Clock | None = None,
    scheduler: HoldExpiryScheduler | None = None,
    payments: MockPaymentGateway | None = None,
) -> Services:
    """Build the services over one store object that implements every store port."""
    clock = clock or SystemClock()
    seats: SeatLockStore = store
    bstore: BookingStore = store
    catalog = CatalogService(
        store,
        seats,
        clock,
        cache_ms=settings.seat_map_cache_ms,
        catalog_ms=settings.catalog_cache_ms,
        counts_ms=settings.seat_counts_cache_ms,
    )
    scheduler = scheduler or RecordingScheduler()
    holds = HoldService(seats, catalog, clock, scheduler, hold_ttl_seconds=settings.hold_ttl_seconds)
    pay = payments or MockPaymentGateway(slow_delay_ms=settings.payment_slow_delay_ms)
    bookings = BookingService(bstore, holds, catalog, pay, clock)
    notes = NotificationService(bstore, catalog, clock, signing_key=settings.confirmation_signing_key)
    return Services(settings, clock, catalog, holds, bookings, notes, store, scheduler=scheduler)


async def _drain_memory_outbox(store: MemoryStore, notes: NotificationService) -> None:
    """Memory mode stands in for SQS + the booking-events Lambda: deliver outbox events in-process."""
    while True:
        await asyncio.sleep(0.5)
        while store.outbox:
            event = store.outbox.pop(0)
            if event.type == "booking_confirmed":
                await notes.send_confirmation(str(event.payload["booking_id"]))


async def open_data_client(stack: AsyncExitStack, settings: Settings) -> Any:
    """The DynamoDB client of the request path and the workers (both offer the same low-level calls)."""
    if settings.dynamodb_client == "botocore":
        from api.adapters.dynamodb.client import open_dynamodb

        return await open_dynamodb(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)
    from api.adapters.dynamodb.wire import open_wire

    return await open_wire(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)


async def _read_secrets(settings: Settings) -> Settings:
    """Lambda has no ECS secret injection: read the secrets named by *_SECRET_ARN once, at cold start."""
    wanted: dict[str, str] = {}
    if settings.confirmation_signing_key_secret_arn and settings.confirmation_signing_key == DEV_SIGNING_KEY:
        wanted["confirmation_signing_key"] = settings.confirmation_signing_key_secret_arn
    if settings.origin_verify_secret_arn and not settings.origin_verify_secret:
        wanted["origin_verify_secret"] = settings.origin_verify_secret_arn
    if not wanted:
        return settings
    from api.adapters.secrets import read_secret

    update = {field: await read_secret(arn, region=settings.aws_region) for field, arn in wanted.items()}
    return settings.model_copy(update=update)


async def build_services(settings: Settings, *, long_running: bool = False) -> Services:
    """Create adapters for the configured store and wire the services (call once per process).

    long_running: a server process (uvicorn) whose event loop runs between requests, so work may be
    left to background tasks (batched hold-expiry messages, the post-commit relay). Lambda and the
    workers pass False: a frozen execution environment runs no background task.
    """
    if settings.store == "memory":
        mem = MemoryStore()
        movies, shows = demo_catalog(datetime.now(UTC).date(), 7)
        await mem.put_catalog(movies, shows)
        services = wire(settings, mem)
        services.background.append(asyncio.create_task(_drain_memory_outbox(mem, services.notifications)))
        return services

    from api.adapters.dynamodb.store import DynamoStore

    stack = AsyncExitStack()
    clock = SystemClock()
    settings = await _read_secrets(settings)
    client = await open_data_client(stack, settings)
    store: Any = DynamoStore(client, settings.table_name, unsafe_locks=settings.seat_lock_mode == "unsafe")
    scheduler: HoldExpiryScheduler | None = None
    relay: Any = None
    probes: dict[str, Callable[[], Awaitable[None]]] = {}
    if settings.hold_expiry_queue_url or settings.booking_events_queue_url:
        from api.adapters.dynamodb.outbox import OutboxRelay, RelayAfterCommit
        from api.adapters.sqs import SqsEventPublisher, SqsHoldExpiryScheduler, SqsProbe, open_sqs

        # Request path: short timeouts and 2 attempts (a failed send is tolerated: see HoldService, ADR 0011).
        sqs = await open_sqs(
            stack, region=settings.aws_region, endpoint_url=settings.sqs_endpoint_url, read_timeout=2, attempts=2
        )
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
            publisher = SqsEventPublisher(sqs, settings.booking_events_queue_url)
            relay = OutboxRelay(client, settings.table_name, publisher, clock)
            after_commit = RelayAfterCommit(store, relay, timeout_s=RELAY_TIMEOUT_S, in_background=long_running)
            stack.push_async_callback(after_commit.aclose)  # before the SQS client closes (LIFO)
            store = after_commit
    services = wire(settings, store, clock=clock, scheduler=scheduler)
    services.stack = stack
    services.relay = relay
    services.probes = probes
    return services


# -- Lambda: one services object per execution environment ------------------------------------------
@dataclass
class Environment:
    """What a Lambda execution environment keeps between invocations: its event loop and services."""

    loop: asyncio.AbstractEventLoop
    services: Services

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the services on this environment's loop (handlers are sync entry points)."""
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.loop.run_until_complete(self.services.aclose())
        self.loop.close()


_environments = threading.local()  # one per thread: Lambda runs one; the local worker one per env thread


def environment() -> Environment:
    """The services of this execution environment, built on first use (the cold start) and then reused."""
    env: Environment | None = getattr(_environments, "env", None)
    if env is None:
        loop = asyncio.new_event_loop()
        services = loop.run_until_complete(build_services(load_settings()))
        env = Environment(loop, services)
        _environments.env = env
    return env


def use_environment(env: Environment | None) -> Environment | None:
    """Install env (tests: in-memory services) for this thread; return the previous one (not closed)."""
    previous: Environment | None = getattr(_environments, "env", None)
    _environments.env = env
    return previous


# -- the local worker's queue clients --------------------------------------------------------------
@dataclass
class WorkerIO:
    """The local worker's SQS clients per contract queue key, and the outbox relay it sweeps with."""

    queues: dict[str, Any]  # key -> api.adapters.sqs.SqsQueueClient
    relay: Any
    stack: AsyncExitStack

    async def aclose(self) -> None:
        await self.stack.aclose()


async def open_worker_io(settings: Settings) -> WorkerIO:
    """SQS clients for the queues configured in settings, and a relay when the booking queue is set."""
    from api.adapters.dynamodb.outbox import OutboxRelay
    from api.adapters.sqs import SqsEventPublisher, SqsQueueClient, open_sqs

    stack = AsyncExitStack()
    sqs = await open_sqs(stack, region=settings.aws_region, endpoint_url=settings.sqs_endpoint_url)
    urls = {"hold_expiry": settings.hold_expiry_queue_url, "booking_events": settings.booking_events_queue_url}
    queues: dict[str, Any] = {key: SqsQueueClient(sqs, url) for key, url in urls.items() if url}
    relay = None
    if settings.booking_events_queue_url and settings.store == "dynamodb":
        ddb = await open_data_client(stack, settings)
        publisher = SqsEventPublisher(sqs, settings.booking_events_queue_url)
        relay = OutboxRelay(ddb, settings.table_name, publisher, SystemClock())
    return WorkerIO(queues, relay, stack)
