"""The hold-expiry scheduler of a long-running API process: SendMessageBatch in the background.

Why: a hold used to wait for its own SendMessage before answering, one SQS round trip (and one
botocore call, ~2 CPU ms here) per hold, on the hot path of release day. The message only tidies
stored state: reads and the seat lock already treat an expired hold as free (ADR 0011), so it does
not have to be sent before the client hears "201". Here a hold is queued in memory and a background
task sends up to ten per SendMessageBatch after a 250 ms linger; on shutdown the queue is flushed.

What can be lost: messages queued when the process is killed without a graceful stop (SIGKILL, OOM)
or refused by SQS three times in a row (logged as hold_expiry_schedule_failed).
Their holds still expire for every reader at `expires_at`; only the stored status stays "active"
until the next hold takes the seat. Lambda keeps the direct scheduler (a frozen environment runs no
background task), see api/bootstrap.py.
"""

from __future__ import annotations

import asyncio
import logging

from botocore.exceptions import BotoCoreError, ClientError

from api.adapters.sqs import BATCH, SqsApi, hold_expiry_message
from api.domain.model import Hold

log = logging.getLogger("api.sqs")


class BatchedHoldExpiryScheduler:
    """HoldExpiryScheduler that returns at once; a short-lived task sends what has queued up meanwhile."""

    def __init__(
        self, client: SqsApi, queue_url: str, *, linger_s: float = 0.25, max_pending: int = 10_000, attempts: int = 3
    ) -> None:
        self._c = client
        self._url = queue_url
        self._linger_s = linger_s
        self._attempts = attempts
        self._pending: asyncio.Queue[tuple[Hold, int]] = asyncio.Queue(maxsize=max_pending)
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0

    async def schedule(self, hold: Hold, delay_seconds: int) -> None:
        entry = (hold, delay_seconds)
        try:
            self._pending.put_nowait(entry)
        except asyncio.QueueFull:
            await self._pending.put(entry)  # SQS is far behind: now the request waits (backpressure)
        if self._task is None:
            self._task = asyncio.create_task(self._send_soon())

    async def _send_soon(self) -> None:
        try:
            await asyncio.sleep(self._linger_s)  # let the holds of the next 250 ms join this batch (fewer calls)
            await self._send_queued()
        finally:
            self._task = None  # no await since the emptiness check: a later schedule() starts a new task

    async def aclose(self) -> None:
        """Graceful shutdown: wait for the send in progress, then send whatever is still queued."""
        if self._task is not None:
            await self._task
        await self._send_queued()

    async def _send_queued(self) -> None:
        """Send everything queued, in batches of ten at once, until the queue stays empty."""
        while not self._pending.empty():
            entries: list[tuple[Hold, int]] = []
            while not self._pending.empty():
                entries.append(self._pending.get_nowait())
            chunks = [entries[i : i + BATCH] for i in range(0, len(entries), BATCH)]
            await asyncio.gather(*(self._send_batch(chunk) for chunk in chunks))

    async def _send_batch(self, chunk: list[tuple[Hold, int]]) -> None:
        todo = {str(n): entry for n, entry in enumerate(chunk)}
        for attempt in range(self._attempts):
            request = [{"Id": n, **hold_expiry_message(hold, delay)} for n, (hold, delay) in todo.items()]
            try:
                res = await self._c.send_message_batch(QueueUrl=self._url, Entries=request)
            except (ClientError, BotoCoreError) as err:
                log.warning("hold_expiry_batch_failed attempt=%d error=%s", attempt + 1, type(err).__name__)
            else:
                for ok in res.get("Successful", []):
                    todo.pop(str(ok["Id"]), None)
                    self.sent += 1
            if not todo:
                return
            await asyncio.sleep(0.1 * 2**attempt)
        self.failed += len(todo)
        for hold, _ in todo.values():
            # Reads treat the hold as expired at expires_at anyway; only the stored status is left behind.
            log.warning("hold_expiry_schedule_failed", extra={"hold_id": hold.id})
