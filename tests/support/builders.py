"""Test builders: a fully wired service graph over the in-memory store and a manual clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from api.adapters.clock import ManualClock
from api.adapters.memory import MemoryStore, RecordingScheduler
from api.adapters.payment_mock import MockPaymentGateway
from api.bootstrap import Services, memory_stores, wire
from api.service.bookings import BookingRequest
from api.service.demo_catalog import catalog
from api.settings import Settings

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@dataclass
class World:
    services: Services
    store: MemoryStore
    clock: ManualClock
    scheduler: RecordingScheduler
    payments: MockPaymentGateway
    show_id: str


async def make_world(*, hold_ttl: int = 300, slow_ms: int = 50) -> World:
    store = MemoryStore()
    movies, shows = catalog(START.date(), 2)
    await store.put_catalog(movies, shows)
    clock = ManualClock(START)
    scheduler = RecordingScheduler()
    payments = MockPaymentGateway(slow_delay_ms=slow_ms)
    settings = Settings(
        store="memory", hold_ttl_seconds=hold_ttl, seat_map_cache_ms=0, catalog_cache_ms=0, seat_counts_cache_ms=0
    )
    services = wire(settings, memory_stores(store), clock=clock, scheduler=scheduler, payments=payments)
    return World(services, store, clock, scheduler, payments, shows[0].id)


def booking_request(hold_id: str, token: str = "tok_visa", name: str = "Ada Lovelace") -> BookingRequest:
    return BookingRequest(hold_id, name, "ada@example.com", token)
