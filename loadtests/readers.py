"""The read-only users: the /healthz baseline and the read ceilings beside it (make bench)."""

from __future__ import annotations

import random

from locust import between, constant, task
from locust.exception import StopUser

from loadtests.journeys import CTX, ApiUser


class HealthUser(ApiUser):
    """The baseline: the same server answering a trivial endpoint (no I/O)."""

    wait_time = between(0.5, 2.0)

    @task
    def healthz(self) -> None:
        self.call("GET", "/healthz", "GET /healthz")


class HealthReader(HealthUser):
    """GET /healthz back to back: the server's ceiling for a request that does nothing."""

    wait_time = constant(0)


class SeatMapReader(ApiUser):
    """The seat-map read path back to back (the popular shows, as on release day): its ceiling beside /healthz."""

    wait_time = constant(0)

    @task
    def read(self) -> None:
        if not CTX.shows:
            raise StopUser()  # catalog discovery failed
        self.seat_map(random.choice(CTX.fresh[:3] or CTX.shows))
