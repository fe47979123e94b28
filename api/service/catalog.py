"""Browse use cases: movies, shows, seat maps.

Everything here is read far more often than it changes, so the service keeps read-through caches
(api/service/memo.py, single flight): the catalog (movies, shows per movie and day) for `catalog_ms`
(it changes only when the catalog is re-seeded), seat maps for `cache_ms` (patched with this process's
own writes, api/service/seat_map_cache.py), and the available-seat counts in show listings for
`counts_ms` ("37 seats left" may be five seconds old; the seat map itself is fresher).
"""

from __future__ import annotations

import asyncio
from datetime import date

from api.domain.errors import MovieNotFound, ShowNotFound
from api.domain.model import Hold, Movie, SeatState, SeatStatus, Show
from api.service.memo import Memo
from api.service.ports import CatalogStore, Clock, SeatLockStore
from api.service.seat_map_cache import SeatMapCache
from api.service.views import (
    MovieList,
    MovieView,
    SeatMapView,
    ShowList,
    ShowView,
    movie_view,
    seat_map_view,
    show_view,
)


class CatalogService:
    """Read side. Seat maps are cached per show for `cache_ms` (0: every read loads), loaded once for
    concurrent readers, and patched with this process's own holds, releases and bookings."""

    def __init__(
        self,
        catalog: CatalogStore,
        seats: SeatLockStore,
        clock: Clock,
        *,
        cache_ms: int = 0,
        catalog_ms: int = 0,
        counts_ms: int = 0,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._shows: dict[str, Show] = {}
        self.seat_maps = SeatMapCache(seats.get_seats, cache_ms / 1000)
        self._counts_max_age_s = max(cache_ms, counts_ms) / 1000
        self._movie_lists: Memo[str, MovieList] = Memo(catalog_ms / 1000)
        self._movies: Memo[str, Movie | None] = Memo(catalog_ms / 1000)
        self._show_lists: Memo[tuple[str, date | None], list[Show]] = Memo(catalog_ms / 1000)

    def _now_s(self) -> float:
        return self._clock.now().timestamp()

    async def list_movies(self) -> MovieList:
        async def load() -> MovieList:
            movies = await self._catalog.list_movies()
            return MovieList([movie_view(m) for m in sorted(movies, key=lambda m: m.title)])

        return await self._movie_lists.get("all", self._now_s(), load)

    async def get_movie(self, movie_id: str) -> Movie:
        movie = await self._movies.get(movie_id, self._now_s(), lambda: self._catalog.get_movie(movie_id))
        if movie is None:
            raise MovieNotFound(f"No movie has id {movie_id!r}.")
        return movie

    async def movie(self, movie_id: str) -> MovieView:
        return movie_view(await self.get_movie(movie_id))

    async def list_shows(self, movie_id: str, on: date | None) -> ShowList:
        await self.get_movie(movie_id)
        now = self._now_s()
        shows = await self._show_lists.get((movie_id, on), now, lambda: self._catalog.list_shows(movie_id, on))
        maps = await asyncio.gather(*(self.seat_map(s.id, max_age_s=self._counts_max_age_s) for s in shows))
        return ShowList([show_view(s, m.counts.available) for s, m in zip(shows, maps, strict=True)])

    async def get_show(self, show_id: str) -> Show:
        """Shows never change after seeding, so they are cached for the process lifetime."""
        show = self._shows.get(show_id)
        if show is None:
            show = await self._catalog.get_show(show_id)
            if show is None:
                raise ShowNotFound(f"No show has id {show_id!r}.")
            self._shows[show_id] = show
        return show

    async def show(self, show_id: str) -> ShowView:
        show = await self.get_show(show_id)
        seat_map = await self.seat_map(show_id)
        return show_view(show, seat_map.counts.available)

    async def seat_map(self, show_id: str, *, max_age_s: float | None = None) -> SeatMapView:
        show = await self.get_show(show_id)
        now = self._clock.now()
        entry = await self.seat_maps.entry(show_id, now.timestamp(), max_age_s=max_age_s)
        if entry.view is None:
            entry.view = seat_map_view(show, list(entry.seats.values()), now)
        return entry.view

    def sold(self, show_id: str, seat_ids: list[str]) -> dict[str, str]:
        """Seats this process has seen booked (seat -> booking id), from the cached map however old:
        a booking is final, so a cached "booked" is still true; nothing is read."""
        entry = self.seat_maps.memo.peek(show_id)
        if entry is None:
            return {}
        states = (entry.seats.get(s) for s in seat_ids)
        return {st.seat_id: st.booking_id or "?" for st in states if st is not None and st.status is SeatStatus.BOOKED}

    def held(self, hold: Hold) -> None:
        """This process has just locked the hold's seats."""
        states = (SeatState(s, SeatStatus.HELD, hold.id, hold.expires_at) for s in hold.seat_ids)
        self.seat_maps.patch(hold.show_id, states)

    def freed(self, hold: Hold) -> None:
        """This process has just released (or expired) the hold: its seats are free unless re-held since."""
        states = (SeatState(s, SeatStatus.AVAILABLE) for s in hold.seat_ids)
        self.seat_maps.patch(hold.show_id, states, only_if_hold=hold.id)

    def booked(self, hold: Hold, booking_id: str) -> None:
        """This process has just booked the hold's seats."""
        states = (SeatState(s, SeatStatus.BOOKED, hold.id, None, booking_id) for s in hold.seat_ids)
        self.seat_maps.patch(hold.show_id, states)
