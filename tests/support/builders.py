"""Test builders: a fully wired service graph over the in-memory store and a manual clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.adapters.clock import ManualClock
from api.adapters.memory import MemoryStore, RecordingScheduler
from api.adapters.payment_mock import MockPaymentGateway
from api.bootstrap import Services, memory_stores, wire
from api.service.bookings import BookingRequest
from api.service.demo_catalog import catalog
from api.service.views import BookingPlaced, BookingView, HoldCreated, HoldView, NoticeView
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
    tokens: dict[str, str] = field(default_factory=dict)  # hold or booking id -> its token, as a client keeps it


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


async def create_hold(w: World, show_id: str, seats: list[str], *, client: str | None = None) -> HoldCreated:
    """Hold seats as a client would, keeping the hold token."""
    created = await w.services.holds.create(show_id, seats, client=client)
    w.tokens[created.hold.hold_id] = created.hold.hold_token
    return created


async def book(w: World, key: str | None, request: BookingRequest, *, client: str | None = None) -> BookingPlaced:
    """Book with the hold's token, keeping the booking token."""
    token = w.tokens.get(request.hold_id)
    placed = await w.services.bookings.book(key, request, hold_token=token, client=client)
    w.tokens[placed.booking.booking_id] = placed.booking.booking_token
    return placed


async def release(w: World, hold_id: str) -> None:
    await w.services.holds.release(hold_id, w.tokens.get(hold_id))


async def view_hold(w: World, hold_id: str) -> HoldView:
    return await w.services.holds.view(hold_id, w.tokens.get(hold_id))


async def read_booking(w: World, booking_id: str) -> BookingView:
    return await w.services.bookings.get(booking_id, w.tokens.get(booking_id, "no-token"))


async def read_confirmation(w: World, booking_id: str) -> NoticeView:
    return await w.services.bookings.confirmation(booking_id, w.tokens.get(booking_id, "no-token"))
