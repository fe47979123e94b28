"""The virtual waiting room on the hold path: when holds are saturated, arrivals get a place in line (FIFO).

State is two counters in the store (ADR 0022): `issued` (an atomic ticket counter) and `serving` (tickets
up to it may enter), so any number of stateless API tasks share one line. `serving` advances at
`admit_per_s` from its last stored value; every task computes the same figure from the same item and the
first to see it move writes it back (conditional on the value it read), so no timer runs anywhere.
Saturation is local to a task: holds in flight, or the recent hold latency past the budget; while the
latency is past the budget the task also stops moving the line on.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from api.domain.errors import WaitingRoomFull, WaitInLine
from api.service.ports import Clock

LATENCY_WEIGHT = 0.2  # EWMA weight of the newest hold's latency
LATENCY_STALE_S = 2.0  # an EWMA this old says nothing about now (no hold finished since)
BANK_S = 1.0  # after a quiet spell the line may jump at most this many seconds of admissions at once
POLL_MIN_MS, POLL_MAX_MS = 250, 5000  # how soon a ticket holder is told to come back


@dataclass(frozen=True)
class RoomState:
    """The shared counters: tickets issued so far, the last ticket allowed in, when `serving` last moved."""

    issued: int = 0
    serving: int = 0
    at_ms: int = 0


class AdmissionStore(Protocol):
    async def state(self) -> RoomState:
        """The counters as stored (strongly consistent); zeros before the first ticket."""
        ...

    async def take_ticket(self, now_ms: int) -> RoomState:
        """Atomically add one to `issued`; the state after it (`issued` is the caller's ticket number)."""
        ...

    async def advance(self, seen: RoomState, serving: int, at_ms: int) -> bool:
        """Set `serving` and `at_ms` if `serving` is still what `seen` says; False when another task moved it."""
        ...


@dataclass(frozen=True)
class RoomPolicy:
    enabled: bool = False
    max_in_flight: int = 24  # holds in flight in one task before arrivals queue (0: everyone queues)
    budget_ms: int = 150  # recent hold latency (EWMA) before arrivals queue
    admit_per_s: float = 20.0  # tickets let in per second, across all tasks
    max_line: int = 5000  # tickets waiting before arrivals are refused outright
    ticket_ttl_s: int = 600  # a ticket (admitted or not) is good this long after it was issued
    state_cache_ms: int = 200  # how stale a task's copy of the counters may be


@dataclass(frozen=True)
class RoomView:
    """GET /api/waiting-room: whether the room is on, and the line as this task sees it."""

    enabled: bool
    line: int
    issued: int
    serving: int
    admit_per_s: float


@dataclass(frozen=True)
class Ticket:
    number: int
    issued_ms: int


class WaitingRoom:
    """Admission control for POST holds: `async with room.admit(ticket):` around the hold."""

    def __init__(
        self,
        store: AdmissionStore,
        clock: Clock,
        policy: RoomPolicy,
        *,
        signing_key: str,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._store = store
        self._clock = clock
        self.policy = policy
        self._key = hashlib.sha256(b"waiting-room\0" + signing_key.encode()).digest()
        self._timer = timer
        self._cached: RoomState | None = None
        self._cached_ms = 0
        self.in_flight = 0
        self._latency_ms = 0.0
        self._latency_at = -math.inf

    # -- the hold path ---------------------------------------------------------------------------
    @asynccontextmanager
    async def admit(self, ticket: str | None) -> AsyncIterator[None]:
        """Let the request in, or raise WaitInLine / WaitingRoomFull at once; measures the admitted hold."""
        if self.policy.enabled:
            await self._decide(ticket)
        self.in_flight += 1
        started = self._timer()
        try:
            yield
        finally:
            self.in_flight -= 1
            self.observe((self._timer() - started) * 1000)

    async def view(self) -> RoomView:
        """The line now (no store call while the room is off)."""
        state = await self._current(self._now_ms()) if self.policy.enabled else RoomState()
        line = state.issued - state.serving
        return RoomView(self.policy.enabled, line, state.issued, state.serving, self.policy.admit_per_s)

    def observe(self, latency_ms: float) -> None:
        """Fold one admitted hold's latency into the EWMA the saturation test reads."""
        self._latency_ms += LATENCY_WEIGHT * (latency_ms - self._latency_ms)
        self._latency_at = self._timer()

    def saturated(self) -> bool:
        """Holds in flight at the limit, or recent holds slower than the budget: newcomers queue."""
        return self.in_flight >= self.policy.max_in_flight or self.slow()

    def slow(self) -> bool:
        """Recent admitted holds slower than the budget (an EWMA, ignored 2 s after the last hold)."""
        fresh = self._timer() - self._latency_at < LATENCY_STALE_S
        return fresh and self._latency_ms > self.policy.budget_ms

    async def _decide(self, ticket_text: str | None) -> None:
        now_ms = self._now_ms()
        state = await self._current(now_ms)
        ticket = self.verify(ticket_text, now_ms)
        if ticket is not None:
            if ticket.number <= state.serving:
                return
            raise self._in_line(ticket, state)
        if state.issued <= state.serving and not self.saturated():
            return  # nobody waiting and room to spare: straight in
        line = state.issued - state.serving
        if line >= self.policy.max_line:
            raise WaitingRoomFull(line=line, retry_after_s=30)
        taken = await self._store.take_ticket(now_ms)
        self._remember(taken, now_ms)
        raise self._in_line(Ticket(taken.issued, now_ms), self.project(taken, now_ms))

    # -- the shared counters ---------------------------------------------------------------------
    def project(self, state: RoomState, now_ms: int) -> RoomState:
        """`serving` as it stands now: advanced at admit_per_s since `at_ms`, never past `issued`."""
        # at least one admission's worth of time, or a rate under one a second would never move
        bank_s = max(BANK_S, 1 / self.policy.admit_per_s) + self.policy.state_cache_ms / 1000
        elapsed_s = min(max(now_ms - state.at_ms, 0) / 1000, bank_s)
        steps = int(elapsed_s * self.policy.admit_per_s)
        serving = min(state.issued, state.serving + steps)
        if serving == state.serving:
            return state
        # Keep the fraction of a step already earned; a drained line starts again from now.
        at_ms = (
            now_ms if serving == state.issued else now_ms - int((elapsed_s - steps / self.policy.admit_per_s) * 1000)
        )
        return RoomState(state.issued, serving, at_ms)

    async def _current(self, now_ms: int) -> RoomState:
        cached = self._cached
        if cached is not None and now_ms - self._cached_ms < self.policy.state_cache_ms:
            return cached if self.slow() else self.project(cached, now_ms)
        stored = await self._store.state()
        if self.slow():
            # The inlet pauses while admitted holds are slow (as the AWS periodic inlet skips its increment
            # while an alarm is raised); it resumes once they are fast again, or 2 s after the last one.
            self._remember(stored, now_ms)
            return stored
        moved = self.project(stored, now_ms)
        if moved.serving > stored.serving and not await self._store.advance(stored, moved.serving, moved.at_ms):
            stored = await self._store.state()  # another task moved it first: take its figure
            moved = self.project(stored, now_ms)
        self._remember(moved, now_ms)
        return moved

    def _remember(self, state: RoomState, now_ms: int) -> None:
        self._cached, self._cached_ms = state, now_ms

    # -- tickets ---------------------------------------------------------------------------------
    def sign(self, ticket: Ticket) -> str:
        body = f"{ticket.number}.{ticket.issued_ms}"
        return f"{body}.{hmac.new(self._key, body.encode(), 'sha256').hexdigest()[:20]}"

    def verify(self, text: str | None, now_ms: int) -> Ticket | None:
        """The ticket a client sent back, or None if absent, forged or older than ticket_ttl_s (a new place)."""
        parts = (text or "").split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        ticket = Ticket(int(parts[0]), int(parts[1]))
        if not hmac.compare_digest(self.sign(ticket), text or ""):
            return None
        return ticket if now_ms - ticket.issued_ms <= self.policy.ticket_ttl_s * 1000 else None

    def _in_line(self, ticket: Ticket, state: RoomState) -> WaitInLine:
        position = max(1, ticket.number - state.serving)
        eta_ms = position * 1000 / self.policy.admit_per_s
        poll_ms = int(min(max(eta_ms, POLL_MIN_MS), POLL_MAX_MS))
        return WaitInLine(self.sign(ticket), position=position, eta_s=round(eta_ms / 1000, 1), retry_after_ms=poll_ms)

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)
