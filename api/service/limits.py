"""Per-client limits on the hold and booking paths: a token-bucket rate limit and a cap on seats held.

Both are small, separate components the services consult before doing work, so admission control can sit
beside them. State is in-process (per API task): the limits are the second line behind the WAF's per-IP
rule, and the only one in the local lab (ADR 0021 says how a client is identified and what that costs).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from api.domain.errors import RateLimited, SeatCapReached
from api.domain.model import Hold
from api.service.ports import Clock

MAX_TRACKED = 100_000  # clients remembered per task (~150 B each): the oldest are forgotten first


@dataclass(frozen=True)
class Rate:
    """A burst of `burst` requests, refilled at `per_second`."""

    burst: int
    per_second: float


class RateLimiter:
    """Token buckets per (client, action)."""

    def __init__(self, clock: Clock, *, max_tracked: int = MAX_TRACKED) -> None:
        self._clock = clock
        self._max = max_tracked
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()  # tokens, at (epoch s)

    def allow(self, client: str, action: str, rate: Rate) -> float:
        """Take one token; return 0 when allowed, else the seconds until the next token."""
        now = self._clock.now().timestamp()
        key = (client, action)
        tokens, at = self._buckets.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate.per_second
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait

    def take(self, client: str, action: str, rate: Rate) -> None:
        """Take one token or raise RateLimited with the wait in whole seconds."""
        wait = self.allow(client, action, rate)
        if wait:
            raise RateLimited(retry_after_s=math.ceil(wait), details={"action": action})


class SeatCap:
    """At most `limit` seats held at once by one client for one show (live holds only)."""

    def __init__(self, limit: int, *, max_tracked: int = MAX_TRACKED) -> None:
        self.limit = limit
        self._max = max_tracked
        self._held: OrderedDict[tuple[str, str], dict[str, tuple[int, datetime]]] = OrderedDict()
        self._owner: dict[str, tuple[str, str]] = {}

    def check(self, client: str, show_id: str, seats: int, now: datetime) -> None:
        """Raise SeatCapReached when `seats` more would exceed the cap; Retry-After is the next expiry."""
        live = self._live((client, show_id), now)
        held = sum(n for n, _ in live.values())
        if held + seats > self.limit:
            soonest = min((exp for _, exp in live.values()), default=now)
            raise SeatCapReached(
                f"This client holds {held} seats of this show; at most {self.limit} may be held at once.",
                retry_after_s=math.ceil((soonest - now).total_seconds()),
                details={"held": held, "requested": seats, "limit": self.limit},
            )

    def add(self, client: str, hold: Hold) -> None:
        key = (client, hold.show_id)
        self._held.setdefault(key, {})[hold.id] = (len(hold.seat_ids), hold.expires_at)
        self._held.move_to_end(key)
        self._owner[hold.id] = key
        if len(self._held) > self._max:
            _, gone = self._held.popitem(last=False)
            for hold_id in gone:
                self._owner.pop(hold_id, None)

    def done(self, hold_id: str) -> None:
        """The hold was released or booked: its seats no longer count."""
        key = self._owner.pop(hold_id, None)
        if key is not None and key in self._held:
            self._held[key].pop(hold_id, None)

    def _live(self, key: tuple[str, str], now: datetime) -> dict[str, tuple[int, datetime]]:
        holds = self._held.get(key, {})
        for hold_id in [h for h, (_, exp) in holds.items() if exp <= now]:
            del holds[hold_id]
            self._owner.pop(hold_id, None)
        return holds


@dataclass(frozen=True)
class ClientLimits:
    """The limits the services apply, wired once at the composition root."""

    rate: RateLimiter
    seats: SeatCap
    hold_rate: Rate
    booking_rate: Rate
