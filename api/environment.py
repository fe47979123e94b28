"""One services object per Lambda execution environment: built at the cold start, reused after.

The Lambda API (api/http/lambda_handler.py), the SQS handlers and the scheduled sweeper are sync entry
points; each environment keeps its event loop and the services api/bootstrap.py wires. The local worker
runs one environment per thread, as Lambda runs one per execution environment.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from api.bootstrap import Services, build_services
from api.settings import load_settings

T = TypeVar("T")


@dataclass
class Environment:
    """What a Lambda execution environment keeps between invocations: its event loop and services."""

    loop: asyncio.AbstractEventLoop
    services: Services

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the services on this environment's loop (handlers are sync entry points)."""
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.loop.run_until_complete(self.services.aclose())
        self.loop.close()


_environments = threading.local()  # one per thread: Lambda runs one; the local worker one per env thread


def environment() -> Environment:
    """The services of this execution environment, built on first use (the cold start) and then reused."""
    env: Environment | None = getattr(_environments, "env", None)
    if env is None:
        loop = asyncio.new_event_loop()
        services = loop.run_until_complete(build_services(load_settings()))
        env = Environment(loop, services)
        _environments.env = env
    return env


def use_environment(env: Environment | None) -> Environment | None:
    """Install env (tests: in-memory services) for this thread; return the previous one (not closed)."""
    previous: Environment | None = getattr(_environments, "env", None)
    _environments.env = env
    return previous
