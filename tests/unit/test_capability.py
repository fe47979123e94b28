"""Capability tokens and the per-client limits, as pure rules on a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.adapters.clock import ManualClock
from api.domain import capability
from api.domain.errors import RateLimited, SeatCapReached
from api.domain.model import Hold
from api.service.limits import Rate, RateLimiter, SeatCap

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_token_has_256_random_bits_and_only_its_digest_matches() -> None:
    tokens = {capability.new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) == 43
    stored = capability.digest(token)
    assert token not in stored
    assert capability.matches(token, stored)
    assert not capability.matches(token[:-1] + ("A" if token[-1] != "A" else "B"), stored)
    assert not capability.matches(stored, stored)  # the digest itself is no token
    assert not capability.matches(token, "")  # an object stored without a digest matches nothing


def test_a_derived_token_is_stable_for_its_parent_and_object_only() -> None:
    parent = capability.new_token()
    assert capability.derive(parent, "bkg_1") == capability.derive(parent, "bkg_1")
    assert capability.derive(parent, "bkg_1") != capability.derive(parent, "bkg_2")
    assert capability.derive(parent, "bkg_1") != capability.derive(capability.new_token(), "bkg_1")
    assert len(capability.derive(parent, "bkg_1")) == 43


def test_the_bucket_allows_its_burst_then_its_rate() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(clock)
    rate = Rate(burst=3, per_second=2.0)
    for _ in range(3):
        limiter.take("c1", "hold", rate)
    with pytest.raises(RateLimited) as refused:
        limiter.take("c1", "hold", rate)
    assert refused.value.retry_after_s == 1
    limiter.take("c2", "hold", rate)  # another client has its own bucket
    limiter.take("c1", "booking", rate)  # and another action too
    clock.advance(0.5)
    limiter.take("c1", "hold", rate)  # half a second at 2/s is one token
    with pytest.raises(RateLimited):
        limiter.take("c1", "hold", rate)


def test_the_limiter_forgets_the_oldest_clients_past_its_bound() -> None:
    limiter = RateLimiter(ManualClock(T0), max_tracked=2)
    rate = Rate(burst=1, per_second=0.001)
    for client in ("a", "b", "c"):
        limiter.take(client, "hold", rate)
    limiter.take("a", "hold", rate)  # forgotten: a fresh bucket, never a wrong refusal


def _hold(hold_id: str, seats: int, expires_in_s: int, show: str = "s1") -> Hold:
    seat_ids = tuple(f"A{i}" for i in range(1, seats + 1))
    return Hold(hold_id, show, seat_ids, T0, T0 + timedelta(seconds=expires_in_s))


def test_the_cap_counts_live_seats_per_client_and_show() -> None:
    cap = SeatCap(10)
    cap.add("c1", _hold("h1", 6, 60))
    cap.add("c1", _hold("h2", 4, 30))
    with pytest.raises(SeatCapReached) as refused:
        cap.check("c1", "s1", 1, T0)
    assert refused.value.retry_after_s == 30  # when the soonest hold expires
    assert refused.value.details == {"held": 10, "requested": 1, "limit": 10}
    cap.check("c2", "s1", 10, T0)  # another client
    cap.check("c1", "s2", 10, T0)  # another show
    cap.check("c1", "s1", 4, T0 + timedelta(seconds=30))  # h2 expired
    cap.done("h1")  # released or booked
    cap.check("c1", "s1", 10, T0 + timedelta(seconds=30))
