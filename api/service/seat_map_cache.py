"""The per-show seat-map cache: single-flight loads, and this process's own writes patched in.

Why: on release day everyone polls the same few seat maps, and each load is a 120-item Query. Before
this cache, every hold, release or booking dropped its show's map, so on a popular show the next reader
paid a fresh Query nearly every time and concurrent readers each paid their own (docs/benchmarks.md).
Now:
- concurrent misses for one show share one load (single flight, api/service/memo.py);
- a write this process made is applied to the cached states (we know exactly what changed), instead of
  dropping them, so a busy show is reloaded once per max age, not once per write;
- a write made while a load is in flight is replayed over that load's result, so a slow load never
  brings back a state this process has already changed.
Writes by other processes (other tasks, the expiry worker) show up within the max age. The map is
advisory; the hold's conditional transaction is the only authority on who gets a seat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from api.domain.model import SeatState
from api.service.memo import Memo
from api.service.views import SeatMapView

Loader = Callable[[str], Awaitable[list[SeatState]]]


@dataclass
class SeatMapEntry:
    seats: dict[str, SeatState]
    view: SeatMapView | None = None  # rendered on first read after a load or a patch


class SeatMapCache:
    def __init__(self, loader: Loader, ttl_s: float) -> None:
        self._loader = loader
        self.memo: Memo[str, SeatMapEntry] = Memo(ttl_s)
        # show -> seat -> (state, only_if_hold): writes made while that show's load is in flight
        self._replay: dict[str, dict[str, tuple[SeatState, str | None]]] = {}

    @property
    def loads(self) -> int:
        return self.memo.loads

    async def entry(self, show_id: str, now: float, *, max_age_s: float | None = None) -> SeatMapEntry:
        """The show's states, loaded when older than max_age_s (default: the cache's ttl)."""
        return await self.memo.get(show_id, now, lambda: self._load(show_id), max_age_s=max_age_s)

    async def _load(self, show_id: str) -> SeatMapEntry:
        self._replay[show_id] = {}
        try:
            seats = {s.seat_id: s for s in await self._loader(show_id)}
            for seat_id, (state, owner) in self._replay[show_id].items():
                if _applies(seats.get(seat_id), owner):
                    seats[seat_id] = state
        finally:
            del self._replay[show_id]
        return SeatMapEntry(seats)

    def patch(self, show_id: str, states: Iterable[SeatState], *, only_if_hold: str | None = None) -> None:
        """Apply seat states this process has just written. With only_if_hold, change a seat only
        while the cached state says that hold owns it (a release never frees a seat re-held since)."""
        cached = self.memo.peek(show_id)
        replay = self._replay.get(show_id)
        for state in states:
            if cached is not None and _applies(cached.seats.get(state.seat_id), only_if_hold):
                cached.seats[state.seat_id] = state
                cached.view = None
            if replay is not None:
                replay[state.seat_id] = (state, only_if_hold)


def _applies(current: SeatState | None, only_if_hold: str | None) -> bool:
    return only_if_hold is None or (current is not None and current.hold_id == only_if_hold)
