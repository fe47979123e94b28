"""The batched hold-expiry scheduler against an SQS endpoint (moto server): every hold arrives once."""

from __future__ import annotations

import json
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

from api.adapters.sqs import open_sqs
from api.adapters.sqs_batch import BatchedHoldExpiryScheduler
from api.domain.model import Hold


async def test_twelve_holds_arrive_as_twelve_hold_expiry_messages(moto_server: str) -> None:
    now = datetime.now(UTC)
    holds = [Hold(f"hold_{n}", "show_1", ("A1", "A2"), now, now + timedelta(seconds=30)) for n in range(12)]
    async with AsyncExitStack() as stack:
        sqs = await open_sqs(stack, region="us-east-1", endpoint_url=moto_server)
        url = (await sqs.create_queue(QueueName=f"expiry-{uuid.uuid4().hex[:8]}"))["QueueUrl"]
        scheduler = BatchedHoldExpiryScheduler(sqs, url, linger_s=0.01)
        for hold in holds:
            await scheduler.schedule(hold, 0)
        await scheduler.aclose()
        bodies: list[dict[str, str]] = []
        for _ in range(5):
            res = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            bodies += [json.loads(m["Body"]) for m in res.get("Messages", [])]
            if len(bodies) >= 12:
                break
    assert sorted(b["hold_id"] for b in bodies) == sorted(h.id for h in holds)
    assert {b["type"] for b in bodies} == {"hold_expiry"}
    assert (scheduler.sent, scheduler.failed) == (12, 0)
