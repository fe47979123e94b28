"""A tiny async read-through cache: values expire after a max age, and one load serves every
caller that asks while it is in flight (single flight), so a release-day crowd asking for the same
cold key costs one store read, not hundreds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class Memo(Generic[K, V]):
    ttl_s: float  # default max age; 0: every call loads (concurrent calls still share one load)
    loads: int = 0  # store reads actually made (tests and benchmarks read it)
    _values: dict[K, tuple[float, V]] = field(default_factory=dict)
    _inflight: dict[K, asyncio.Future[V]] = field(default_factory=dict)

    async def get(self, key: K, now: float, load: Callable[[], Awaitable[V]], *, max_age_s: float | None = None) -> V:
        hit = self._values.get(key)
        if hit is not None and now - hit[0] < (self.ttl_s if max_age_s is None else max_age_s):
            return hit[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            self.loads += 1
            value = await load()
            self._values[key] = (now, value)
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._inflight[key]

    def peek(self, key: K) -> V | None:
        """The cached value, however old (for in-place updates)."""
        hit = self._values.get(key)
        return None if hit is None else hit[1]
