"""Seat hold use cases: hold (all or nothing), look up, release, and expiry (the worker's decision)."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from enum import StrEnum

from api.domain import capability
from api.domain.errors import DependencyUnavailable, HoldNotFound, HoldTokenInvalid, HoldTokenRequired, SeatsUnavailable
from api.domain.model import Hold, HoldStatus
from api.service.catalog import CatalogService
from api.service.ids import new_id
from api.service.limits import ClientLimits
from api.service.ports import Clock, HoldExpiryScheduler, SeatLockStore
from api.service.views import HoldCreated, HoldView, hold_view, issued_hold

log = logging.getLogger("api.holds")


class Expiry(StrEnum):
    """What an expiry message did: released the hold, found nothing to do, or came early and asked again."""

    EXPIRED = "expired"
    NOOP = "noop"
    RESCHEDULED = "rescheduled"


class HoldService:
    def __init__(
        self,
        seats: SeatLockStore,
        catalog: CatalogService,
        clock: Clock,
        scheduler: HoldExpiryScheduler,
        *,
        hold_ttl_seconds: int,
        limits: ClientLimits | None = None,
    ) -> None:
        self._seats = seats
        self._catalog = catalog
        self._clock = clock
        self._scheduler = scheduler
        self.hold_ttl_seconds = hold_ttl_seconds
        self.limits = limits

    async def create(self, show_id: str, seat_ids: list[str], *, client: str | None = None) -> HoldCreated:
        """Lock the seats for hold_ttl_seconds; raise SeatsUnavailable naming the seats that are taken.

        `client` (the HTTP caller's identity) is held to the per-client limits; None is an in-process caller.
        """
        limits = self.limits if client is not None else None
        if limits is not None and client is not None:
            limits.rate.take(client, "hold", limits.hold_rate)
        show = await self._catalog.get_show(show_id)
        show.validate_selection(seat_ids)
        if limits is not None and client is not None:
            limits.seats.check(client, show_id, len(seat_ids), self._clock.now())
        sold = self._catalog.sold(show_id, seat_ids)
        if sold:
            # No transaction for a seat that is sold for good: on release day most retries are for seats
            # that sold seconds ago, and each such transaction would only collide with the real contenders.
            evidence = {"basis": "booked", "seats": {s: f"booked by {b}" for s, b in sold.items()}}
            raise SeatsUnavailable(list(sold), evidence=evidence)
        now = self._clock.now()
        token = capability.new_token()
        hold = Hold(
            id=new_id("hold"),
            show_id=show_id,
            seat_ids=tuple(seat_ids),
            created_at=now,
            expires_at=now + timedelta(seconds=self.hold_ttl_seconds),
            token_digest=capability.digest(token),
        )
        await self._seats.create_hold(hold, now)
        self._catalog.held(hold)
        if limits is not None and client is not None:
            limits.seats.add(client, hold)
        try:
            await self._scheduler.schedule(hold, self.hold_ttl_seconds + 1)
        except DependencyUnavailable:
            # Reads treat expired holds as free; the expiry message only tidies the stored state.
            log.warning("hold_expiry_schedule_failed", extra={"hold_id": hold.id})
        return HoldCreated(issued_hold(hold, now, token))

    async def get(self, hold_id: str) -> Hold:
        hold = await self._seats.get_hold(hold_id)
        if hold is None:
            raise HoldNotFound(f"No hold has id {hold_id[:64]!r}.")
        return hold

    async def authorized(self, hold_id: str, token: str | None) -> Hold:
        """The hold, if `token` is its token: HoldTokenRequired without one, HoldTokenInvalid for another."""
        if not token:
            raise HoldTokenRequired()
        hold = await self.get(hold_id)
        if not capability.matches(token, hold.token_digest):
            raise HoldTokenInvalid()
        return hold

    async def view(self, hold_id: str, token: str | None = None) -> HoldView:
        """Anyone may see a hold's status; only its holder (with the token) sees its booking id."""
        hold = await (self.authorized(hold_id, token) if token else self.get(hold_id))
        return hold_view(hold, self._clock.now(), holder=token is not None)

    async def release(self, hold_id: str, token: str | None) -> None:
        """Release an active hold (its holder only). Repeatable: releasing a released or expired hold is a no-op."""
        hold = await self.authorized(hold_id, token)
        if hold.stored_status is HoldStatus.ACTIVE and await self._seats.release_hold(hold, self._clock.now()):
            self._catalog.freed(hold)
        if self.limits is not None:
            self.limits.seats.done(hold.id)

    async def expire(self, hold_id: str, due_at: datetime) -> Expiry:
        """Expiry worker: release the hold if it is still active and its time has passed.

        A message delivered before `due_at` (SQS delays cap at 15 minutes, clocks drift) asks again for
        the rest of the time instead.
        """
        hold = await self._seats.get_hold(hold_id)
        if hold is None or hold.stored_status is not HoldStatus.ACTIVE:
            return Expiry.NOOP
        now = self._clock.now()
        if due_at > now:
            remaining = math.ceil((hold.expires_at - now).total_seconds())
            await self._scheduler.schedule(hold, max(remaining, 0) + 1)
            return Expiry.RESCHEDULED
        if hold.expires_at > now or not await self._seats.release_hold(hold, now, only_if_expired=True):
            return Expiry.NOOP
        self._catalog.freed(hold)
        return Expiry.EXPIRED
