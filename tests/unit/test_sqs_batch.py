"""The batched hold-expiry scheduler: a hold returns at once, SQS gets full batches, nothing is dropped."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import EndpointConnectionError

from api.adapters.sqs_batch import BatchedHoldExpiryScheduler
from api.domain.model import Hold

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _hold(n: int) -> Hold:
    return Hold(f"hold_{n}", "show_1", ("A1",), T0, T0 + timedelta(seconds=300))


class FakeSqs:
    """send_message_batch as SQS answers it; fails the first `outages` calls, refuses ids in `refuse`."""

    def __init__(self, outages: int = 0, refuse: frozenset[str] = frozenset()) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.outages = outages
        self.refuse = refuse

    async def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        await asyncio.sleep(0.001)
        if self.outages:
            self.outages -= 1
            raise EndpointConnectionError(endpoint_url=QueueUrl)
        self.calls.append(Entries)
        ok = [e for e in Entries if json.loads(e["MessageBody"])["hold_id"] not in self.refuse]
        return {"Successful": [{"Id": e["Id"]} for e in ok]}


def _sent_ids(sqs: FakeSqs) -> list[str]:
    return [json.loads(e["MessageBody"])["hold_id"] for call in sqs.calls for e in call]


async def test_holds_made_together_go_out_in_full_batches_of_ten() -> None:
    sqs = FakeSqs()
    scheduler = BatchedHoldExpiryScheduler(sqs, "q", linger_s=0.01)
    await asyncio.gather(*(scheduler.schedule(_hold(n), 301) for n in range(25)))
    assert sqs.calls == []  # nothing was sent on the request path
    await scheduler.aclose()
    assert sorted(len(c) for c in sqs.calls) == [5, 10, 10]
    assert sorted(_sent_ids(sqs)) == sorted(f"hold_{n}" for n in range(25))
    assert {e["DelaySeconds"] for c in sqs.calls for e in c} == {301}
    assert (scheduler.sent, scheduler.failed) == (25, 0)


async def test_delays_are_capped_at_the_sqs_limit() -> None:
    sqs = FakeSqs()
    scheduler = BatchedHoldExpiryScheduler(sqs, "q", linger_s=0)
    await scheduler.schedule(_hold(1), 5000)
    await scheduler.aclose()
    assert sqs.calls[0][0]["DelaySeconds"] == 900


async def test_a_later_hold_starts_a_new_send_after_the_first_batch_went_out() -> None:
    sqs = FakeSqs()
    scheduler = BatchedHoldExpiryScheduler(sqs, "q", linger_s=0.005)
    await scheduler.schedule(_hold(1), 10)
    await asyncio.sleep(0.05)
    await scheduler.schedule(_hold(2), 10)
    await asyncio.sleep(0.05)
    assert _sent_ids(sqs) == ["hold_1", "hold_2"]
    assert len(sqs.calls) == 2


async def test_an_sqs_outage_is_retried_and_refused_messages_are_counted() -> None:
    sqs = FakeSqs(outages=1, refuse=frozenset({"hold_3"}))
    scheduler = BatchedHoldExpiryScheduler(sqs, "q", linger_s=0, attempts=2)
    for n in range(5):
        await scheduler.schedule(_hold(n), 10)
    await scheduler.aclose()
    assert sorted(set(_sent_ids(sqs)) - {"hold_3"}) == ["hold_0", "hold_1", "hold_2", "hold_4"]
    assert (scheduler.sent, scheduler.failed) == (4, 1)
