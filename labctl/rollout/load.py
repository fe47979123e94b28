"""The customers during a rollout: an open-loop stream of catalog reads at a fixed rate, through the front door.

Open loop: a request starts every 1/rps seconds whether or not the last one answered, as real visitors
do, so a slow colour shows up as latency and requests in flight instead of a lower rate. Reads only
(movies, a day's shows, a show, its seat map): a rollout must not book the catalog away. A request
fails on a 5xx, a broken connection or no answer within TIMEOUT_S; the front door's `x-served-by`
header says which colour answered (a request that never reached one counts under "none").

aiohttp, not httpx: with a hundred slow requests in flight httpx's connection pool stalled every other
request of the process for seconds (blue's answers, 20 ms at the door, took 2.8 s at p95 in the client);
aiohttp's stayed at the door's figures (measured on this machine, a slow green beside a fast blue).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from labctl.output import LabError

TIMEOUT_S = 10.0
MAX_IN_FLIGHT = 1000  # beyond this the door (or the machine) is stuck: requests are counted failed, not sent
COLOURS = ("blue", "green")


@dataclass
class Tally:
    """What the customers saw, per colour."""

    sent: int = 0
    failed: int = 0
    served_by: Counter[str] = field(default_factory=Counter)
    failed_by: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in COLOURS})
    in_flight: int = 0

    @property
    def answered(self) -> int:
        return sum(self.served_by.values())

    def record(self, colour: str, ms: float | None, failed: bool) -> None:
        if colour in COLOURS:
            self.served_by[colour] += 1
            if ms is not None:
                self.latencies[colour].append(ms)
        if failed:
            self.failed += 1
            self.failed_by[colour] += 1


async def catalog_paths(session: aiohttp.ClientSession) -> list[str]:
    """The read paths the load visits: every movie, tomorrow's shows of each, a few shows and seat maps."""
    try:
        movies = (await _json(session, "/api/movies"))["items"]
        tomorrow = datetime.fromtimestamp(time.time() + 86400, UTC).strftime("%Y-%m-%d")
        paths = ["/api/movies"] + [f"/api/movies/{m['id']}/shows?date={tomorrow}" for m in movies]
        first = (await _json(session, paths[1]))["items"][:3] if movies else []
    except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as err:
        raise LabError(
            "lab_unreachable",
            f"The lab's catalog does not answer through the front door ({type(err).__name__}).",
            "Check it with `labctl status --local`.",
        ) from None
    for show in first:
        paths += [f"/api/shows/{show['id']}", f"/api/shows/{show['id']}/seats"]
    return paths


async def _json(session: aiohttp.ClientSession, path: str) -> Any:
    async with session.get(path, raise_for_status=True) as res:
        return await res.json()


def session(base_url: str) -> aiohttp.ClientSession:
    """The customers' connection pool: enough connections for a slow colour's pile-up."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    return aiohttp.ClientSession(base_url, connector=aiohttp.TCPConnector(limit=MAX_IN_FLIGHT), timeout=timeout)


class Load:
    """Sends `rps` requests a second until stop() (then waits for those in flight, bounded by TIMEOUT_S)."""

    def __init__(self, client: aiohttp.ClientSession, paths: list[str], rps: int) -> None:
        self.client, self.paths, self.rps = client, paths, rps
        self.tally = Tally()
        self.started = 0.0
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> Tally:
        loop = asyncio.get_running_loop()
        self.started = loop.time()
        interval, n = 1.0 / self.rps, 0
        while not self._stop.is_set():
            n += 1
            if self.tally.in_flight >= MAX_IN_FLIGHT:
                self.tally.sent += 1
                self.tally.record("none", None, failed=True)
            else:
                task = loop.create_task(self._one(random.choice(self.paths)))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            delay = self.started + n * interval - loop.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=TIMEOUT_S + 1)
        return self.tally

    async def _one(self, path: str) -> None:
        t = self.tally
        t.sent += 1
        t.in_flight += 1
        t0 = time.perf_counter()
        try:
            async with self.client.get(path) as res:
                await res.read()
                colour, status = res.headers.get("x-served-by", "none"), res.status
        except (aiohttp.ClientError, TimeoutError):
            t.record("none", None, failed=True)
            return
        finally:
            t.in_flight -= 1
        t.record(colour, (time.perf_counter() - t0) * 1000, failed=status >= 500)
