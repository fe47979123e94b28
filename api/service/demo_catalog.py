"""The deterministic demo catalog that `labctl seed` and the in-memory store load."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from api.domain.model import Movie, Show

MOVIES: tuple[Movie, ...] = (
    Movie(
        "mv-orbit",
        "Orbit of Glass",
        "A salvage crew finds a ship that left Earth before they were born.",
        128,
        "PG-13",
        ("sci-fi", "drama"),
    ),
    Movie(
        "mv-lantern",
        "The Last Lantern",
        "A lighthouse keeper's daughter races a storm to save a ferry.",
        104,
        "PG",
        ("adventure", "family"),
    ),
    Movie(
        "mv-quiet",
        "Quiet Hours",
        "Two night-shift nurses uncover what the hospital hides after 3 a.m.",
        117,
        "R",
        ("thriller",),
    ),
    Movie(
        "mv-noodle",
        "Noodle Kingdom",
        "A street cook enters the world's most chaotic cooking contest.",
        96,
        "PG",
        ("comedy", "animation"),
    ),
    Movie(
        "mv-tides",
        "Against the Tides",
        "The true story of the first crossing of the Drake Passage by kayak.",
        112,
        "PG",
        ("documentary",),
    ),
    Movie(
        "mv-cipher",
        "Cipher Nine",
        "A retired codebreaker is pulled back in for one last message.",
        133,
        "PG-13",
        ("action", "mystery"),
    ),
)

SCREENS: tuple[str, ...] = ("Screen 1", "Screen 2", "Screen 3")
ROWS = "ABCDEFGHIJ"  # 10 rows
SEATS_PER_ROW = 12
SHOW_TIMES: tuple[time, ...] = (time(13, 0), time(16, 30), time(20, 0))
PRICES_CENTS: tuple[int, ...] = (1150, 1350, 1550)


def build_shows(start: date, days: int) -> list[Show]:
    """Shows for `days` days from `start`: each movie plays on a screen at fixed times, rotating daily."""
    shows: list[Show] = []
    for d in range(days):
        day = start + timedelta(days=d)
        for mi, movie in enumerate(MOVIES):
            # Two movies per screen per day-part; rotate so every movie gets every time slot over 3 days.
            slot = (mi + d) % len(SHOW_TIMES)
            screen = SCREENS[mi % len(SCREENS)]
            for extra in (0, 1) if mi < 3 else (0,):
                t = SHOW_TIMES[(slot + extra) % len(SHOW_TIMES)]
                starts = datetime.combine(day, t, tzinfo=UTC)
                show_id = f"sh-{movie.id[3:]}-{day:%Y%m%d}-{t:%H%M}"
                shows.append(
                    Show(
                        show_id, movie.id, screen, starts, PRICES_CENTS[(slot + extra) % 3], "USD", ROWS, SEATS_PER_ROW
                    )
                )
    return shows


def catalog(start: date, days: int) -> tuple[list[Movie], list[Show]]:
    """Movies and shows of the demo catalog."""
    return list(MOVIES), build_shows(start, days)
