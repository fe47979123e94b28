"""The one composition root: Settings -> adapters -> services."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from api.adapters.clock import SystemClock
from api.adapters.memory import MemoryStore, RecordingScheduler
from api.adapters.payment_mock import MockPaymentGateway
from api.service.bookings import BookingService
from api.service.catalog import CatalogService
from api.service.demo_catalog import catalog as demo_catalog
from api.service.holds import HoldService
from api.service.notifications import NotificationService
from api.service.ports import BookingStore, Clock, HoldExpiryScheduler, SeatLockStore
from api.settings import Settings

log = logging.getLogger("api.bootstrap")


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
    catalog = CatalogService(store, seats, clock, cache_ms=settings.seat_map_cache_ms)
    holds = HoldService(
        seats, catalog, clock, scheduler or RecordingScheduler(), hold_ttl_seconds=settings.hold_ttl_seconds
    )
    pay = payments or MockPaymentGateway(slow_delay_ms=settings.payment_slow_delay_ms)
    bookings = BookingService(bstore, holds, catalog, pay, clock)
    notes = NotificationService(bstore, catalog, clock)
    return Services(settings, clock, catalog, holds, bookings, notes, store)


async def _drain_memory_outbox(store: MemoryStore, notes: NotificationService) -> None:
    """Memory mode stands in for SQS + the booking-events Lambda: deliver outbox events in-process."""
    while True:
        await asyncio.sleep(0.5)
        while store.outbox:
            event = store.outbox.pop(0)
            if event.type == "booking_confirmed":
                await notes.send_confirmation(str(event.payload["booking_id"]))


async def build_services(settings: Settings) -> Services:
    """Create adapters for the configured store and wire the services (call once per process)."""
    if settings.store == "memory":
        mem = MemoryStore()
        movies, shows = demo_catalog(datetime.now(UTC).date(), 7)
        await mem.put_catalog(movies, shows)
        services = wire(settings, mem)
        services.background.append(asyncio.create_task(_drain_memory_outbox(mem, services.notifications)))
        return services

    from api.adapters.dynamodb.client import open_dynamodb
    from api.adapters.dynamodb.store import DynamoStore

    stack = AsyncExitStack()
    client = await open_dynamodb(stack, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url)
    store = DynamoStore(client, settings.table_name, unsafe_locks=settings.seat_lock_mode == "unsafe")
    services = wire(settings, store)
    services.stack = stack
    return services
