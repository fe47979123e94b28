"""Browse use cases: movies, shows, seat maps (with a short micro-cache for hot seat maps)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from api.domain.errors import MovieNotFound, ShowNotFound
from api.domain.model import Movie, Show
from api.service.ports import CatalogStore, Clock, SeatLockStore
from api.service.views import movie_view, seat_map_view, show_view


class CatalogService:
    """Read side. Seat maps are cached per show for `cache_ms` (0 disables) and dropped on local writes."""

    def __init__(self, catalog: CatalogStore, seats: SeatLockStore, clock: Clock, *, cache_ms: int = 0) -> None:
        self._catalog = catalog
        self._seats = seats
        self._clock = clock
        self._cache_ms = cache_ms
        self._shows: dict[str, Show] = {}
        self._seat_maps: dict[str, tuple[float, dict[str, Any]]] = {}

    async def list_movies(self) -> dict[str, Any]:
        movies = await self._catalog.list_movies()
        return {"items": [movie_view(m) for m in sorted(movies, key=lambda m: m.title)]}

    async def get_movie(self, movie_id: str) -> Movie:
        movie = await self._catalog.get_movie(movie_id)
        if movie is None:
            raise MovieNotFound(f"No movie has id {movie_id!r}.")
        return movie

    async def movie(self, movie_id: str) -> dict[str, Any]:
        return movie_view(await self.get_movie(movie_id))

    async def list_shows(self, movie_id: str, on: date | None) -> dict[str, Any]:
        await self.get_movie(movie_id)
        shows = await self._catalog.list_shows(movie_id, on)
        maps = await asyncio.gather(*(self.seat_map(s.id) for s in shows))  # one round trip of latency, not N
        return {"items": [show_view(s, m["counts"]["available"]) for s, m in zip(shows, maps, strict=True)]}

    async def get_show(self, show_id: str) -> Show:
        """Shows never change after seeding, so they are cached for the process lifetime."""
        show = self._shows.get(show_id)
        if show is None:
            show = await self._catalog.get_show(show_id)
            if show is None:
                raise ShowNotFound(f"No show has id {show_id!r}.")
            self._shows[show_id] = show
        return show

    async def show(self, show_id: str) -> dict[str, Any]:
        show = await self.get_show(show_id)
        seat_map = await self.seat_map(show_id)
        return show_view(show, seat_map["counts"]["available"])

    async def seat_map(self, show_id: str) -> dict[str, Any]:
        show = await self.get_show(show_id)
        now = self._clock.now()
        stamp = now.timestamp()
        cached = self._seat_maps.get(show_id)
        if cached is not None and (stamp - cached[0]) * 1000 < self._cache_ms:
            return cached[1]
        view = seat_map_view(show, await self._seats.get_seats(show_id), now)
        if self._cache_ms > 0:
            self._seat_maps[show_id] = (stamp, view)
        return view

    def invalidate(self, show_id: str) -> None:
        """Drop the cached seat map of a show after this process changed it."""
        self._seat_maps.pop(show_id, None)
