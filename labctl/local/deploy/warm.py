"""Test traffic before the shift: green answers each catalog read once, straight to its port.

ECS's test listener lets a release be exercised before production traffic reaches it; this is the lab's
counterpart. A fresh API process pays a first-use cost on each route (100-145 ms per route against 4-65 ms
on blue, measured on the lab at load average 24): the bake should judge the release, not its first
second, and customers should not pay it. Not judged (the lab has no lifecycle hook): errors, timeouts
and slow answers are the bake's business; the whole pass is bounded by BUDGET_S.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

BUDGET_S = 5.0
REQUEST_TIMEOUT_S = 3.0


def read_paths(client: httpx.Client) -> list[str]:
    """The catalog reads customers make: each movie's shows tomorrow, then one show and its seat map."""
    movies = client.get("/api/movies").json()["items"]
    tomorrow = datetime.fromtimestamp(time.time() + 86400, UTC).strftime("%Y-%m-%d")
    paths = [f"/api/movies/{movie['id']}/shows?date={tomorrow}" for movie in movies]
    shows = client.get(paths[0]).json()["items"][:1] if paths else []
    return paths + [path for show in shows for path in (f"/api/shows/{show['id']}", f"/api/shows/{show['id']}/seats")]


def send_test_traffic(url: str, transport: httpx.BaseTransport | None = None) -> int:
    """Send green its test traffic; the number of requests it answered (any status) within the budget."""
    deadline = time.monotonic() + BUDGET_S
    answered = 0
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S, transport=transport) as client:
        try:
            paths = read_paths(client)
            answered = 2 if paths else 1
        except (httpx.HTTPError, ValueError, KeyError, TypeError, IndexError):
            return answered
        for path in paths[1:]:
            if time.monotonic() > deadline:
                break
            try:
                client.get(path)
                answered += 1
            except httpx.HTTPError:
                continue
    return answered
