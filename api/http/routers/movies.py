"""/api/movies: the catalog."""

from __future__ import annotations

import re
from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BeforeValidator
from starlette.responses import Response

from api.http.deps import CatalogDep
from api.http.responses import errors, json_response
from api.http.schemas import MovieList, MovieOut, ShowList

router = APIRouter(prefix="/movies", tags=["movies"])
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _day_only(value: object) -> object:
    """YYYY-MM-DD and nothing else: pydantic alone would read `0` or `1.5` as a Unix time."""
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


Day = Annotated[Date, BeforeValidator(_day_only)]
MovieId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("", response_model=MovieList)
async def list_movies(catalog: CatalogDep) -> Response:
    """All movies, sorted by title."""
    return json_response(await catalog.list_movies())


@router.get("/{movie_id}", response_model=MovieOut, responses=errors(404, 422))
async def get_movie(movie_id: MovieId, catalog: CatalogDep) -> Response:
    """One movie."""
    return json_response(await catalog.movie(movie_id))


@router.get("/{movie_id}/shows", response_model=ShowList, responses=errors(404, 422))
async def list_shows(
    movie_id: MovieId,
    catalog: CatalogDep,
    date: Annotated[Day | None, Query(description="Only shows starting on this UTC day (YYYY-MM-DD).")] = None,
) -> Response:
    """Showtimes of a movie, soonest first, with live availability."""
    return json_response(await catalog.list_shows(movie_id, date))
