"""The local worker: long-polls the lab's SQS queues and invokes the very Lambda handlers with the
event shape Lambda uses, honouring batchItemFailures (failed messages stay and come back after the
visibility timeout). It also runs the outbox sweeper. Stops cleanly on SIGTERM/SIGINT.

    python -m api.workers.local [--visibility-timeout S] [--wait-seconds S] [--pollers N] [--no-sweep]
                                [--batching-window S]

Queues come from HOLD_EXPIRY_QUEUE_URL / BOOKING_EVENTS_QUEUE_URL (and SQS_ENDPOINT_URL); handlers,
timeouts, batch sizes and batching windows from contracts/queues.json (a batch that is not full waits
the window for more, as Lambda's event source mapping does). One process is one execution environment: the
handlers run one invocation at a time on a dedicated thread, as on Lambda. Run more processes to scale.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from api.bootstrap import QueueClient, WorkerIO, open_worker_io

if TYPE_CHECKING:
    from api.bootstrap import ReceivedMessage
from api.domain.errors import DependencyUnavailable
from api.environment import use_environment
from api.settings import Settings, load_settings
from api.workers.sqs_event import LocalContext, sqs_event

log = logging.getLogger("api.workers.local")
T = TypeVar("T")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
EXIT_CONFIG = 2
SHORT_POLL_IDLE_S = 0.2


@dataclass(frozen=True)
class WorkerConfig:
    visibility_timeout: int | None = None  # None: the queue's contract value (180 s)
    wait_seconds: int = 20  # long poll
    pollers: int = 1  # concurrent ReceiveMessage loops per queue (they share the one environment)
    sweep_interval: float = 2.0  # seconds between outbox sweeps; 0 disables the sweeper
    sweep_older_than: float = 5.0
    batching_window: float | None = None  # None: the queue's contract value (1 s); 0 invokes at once


@dataclass
class QueueStats:
    received: int = 0
    deleted: int = 0
    failed: int = 0  # records reported in batchItemFailures (left on the queue)
    invocations: int = 0
    invocation_errors: int = 0  # the handler raised: the whole batch stays on the queue
    delete_failures: int = 0  # succeeded but not deleted (receipt handle expired): they come back


@dataclass
class WorkerStats:
    queues: dict[str, QueueStats] = field(default_factory=dict)
    relayed: int = 0
    sweep_errors: int = 0


def load_handler(path: str) -> Handler:
    """Import "package.module.handler" as Lambda does."""
    module_name, _, attr = path.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), attr)
    return handler


def queue_contract(settings: Settings) -> dict[str, dict[str, Any]]:
    data: dict[str, Any] = json.loads((settings.contracts_dir / "queues.json").read_text())
    return {q["key"]: q for q in data["queues"]}


async def _until(stop: asyncio.Event, coro: Coroutine[Any, Any, T]) -> T | None:
    """Await coro unless stop is set first (then cancel it and return None)."""
    work = asyncio.ensure_future(coro)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if work in done:
        stopper.cancel()
        return work.result()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return None


class Worker:
    def __init__(self, settings: Settings, cfg: WorkerConfig, io: WorkerIO) -> None:
        self._settings = settings
        self._cfg = cfg
        self._io = io
        self._contract = queue_contract(settings)
        # One thread = one execution environment (its loop and services live in a thread-local).
        self._env = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda-env")
        self.stats = WorkerStats({key: QueueStats() for key in io.queues})

    async def run(self, stop: asyncio.Event, ready: Callable[[], None] | None = None) -> WorkerStats:
        """Poll every configured queue and sweep the outbox until stop is set."""
        tasks: list[asyncio.Task[None]] = []
        for key, queue in self._io.queues.items():
            arn = await queue.arn()
            handler = load_handler(self._contract[key]["handler"])
            for _ in range(self._cfg.pollers):
                tasks.append(asyncio.create_task(self._poll(key, queue, arn, handler, stop)))
        if self._io.outbox is not None and self._cfg.sweep_interval > 0:
            tasks.append(asyncio.create_task(self._sweep(stop)))
        if ready is not None:
            ready()
        try:
            await asyncio.gather(*tasks)
        finally:
            await asyncio.get_running_loop().run_in_executor(self._env, _close_environment)
            self._env.shutdown(wait=True)
        return self.stats

    async def _poll(self, key: str, queue: QueueClient, arn: str, handler: Handler, stop: asyncio.Event) -> None:
        spec, stats = self._contract[key], self.stats.queues[key]
        visibility = self._cfg.visibility_timeout or int(spec["visibility_timeout_seconds"])
        while not stop.is_set():
            try:
                messages = await _until(
                    stop,
                    queue.receive(
                        max_messages=int(spec["batch_size"]),
                        wait_seconds=self._cfg.wait_seconds,
                        visibility_timeout=visibility,
                    ),
                )
            except DependencyUnavailable as err:
                log.warning("receive_failed queue=%s error=%s", key, err)
                await _until(stop, asyncio.sleep(1.0))
                continue
            if not messages:
                if self._cfg.wait_seconds == 0:
                    await _until(stop, asyncio.sleep(SHORT_POLL_IDLE_S))  # short polling: do not spin
                continue
            room = int(spec["batch_size"]) - len(messages)
            window = self._cfg.batching_window
            window = float(spec["max_batching_window_seconds"]) if window is None else window
            if room > 0 and window > 0:
                messages += await self._gather(queue, stop, room, visibility, window)
            stats.received += len(messages)
            event = sqs_event(messages, queue_arn=arn, region=self._settings.aws_region)
            timeout = int(spec["handler_timeout_seconds"])
            context = LocalContext(key.replace("_", "-"), timeout, self._settings.aws_region)
            failed = await self._invoke(handler, event, context, stats)
            done = [m["ReceiptHandle"] for m in messages if m["MessageId"] not in failed]
            stats.failed += len(messages) - len(done)
            try:
                deleted = await queue.delete(done)
                stats.deleted += deleted
                stats.delete_failures += len(done) - deleted
            except DependencyUnavailable as err:
                stats.delete_failures += len(done)
                # Not deleted: they come back after the visibility timeout and the handlers are idempotent.
                log.warning("delete_failed queue=%s error=%s", key, err)

    async def _gather(
        self, queue: QueueClient, stop: asyncio.Event, room: int, visibility: int, window: float
    ) -> list[ReceivedMessage]:
        """Lambda's batching window: wait `window` s, then take what came meanwhile (fewer, fuller batches)."""
        await _until(stop, asyncio.sleep(window))
        try:
            more = await queue.receive(max_messages=room, wait_seconds=0, visibility_timeout=visibility)
        except DependencyUnavailable:
            return []
        return more

    async def _invoke(self, handler: Handler, event: dict[str, Any], context: Any, stats: QueueStats) -> set[str]:
        """Run the handler on the environment thread; return the failed messageIds (all if it raised)."""
        stats.invocations += 1
        everything = {r["messageId"] for r in event["Records"]}
        try:
            response = await asyncio.get_running_loop().run_in_executor(self._env, handler, event, context)
        except Exception:  # as the Lambda runtime does: an invocation error fails the whole batch
            stats.invocation_errors += 1
            log.exception("invocation_failed function=%s", context.function_name)
            return everything
        failures = response.get("batchItemFailures", []) if isinstance(response, dict) else []
        return {str(f["itemIdentifier"]) for f in failures} & everything

    async def _sweep(self, stop: asyncio.Event) -> None:
        outbox = self._io.outbox
        while outbox is not None and not stop.is_set():
            try:
                self.stats.relayed += await outbox.sweep(older_than_seconds=self._cfg.sweep_older_than)
            except DependencyUnavailable as err:
                self.stats.sweep_errors += 1
                log.warning("outbox_sweep_failed error=%s", err)
            await _until(stop, asyncio.sleep(self._cfg.sweep_interval))


def _close_environment() -> None:
    env = use_environment(None)
    if env is not None:
        env.close()


def _emit(event: str, **fields: Any) -> None:
    """One JSON line on stderr (stdout carries the handlers' logs and EMF metrics, as on Lambda)."""
    sys.stderr.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stderr.flush()


async def serve(settings: Settings, cfg: WorkerConfig) -> WorkerStats:
    """Run until SIGTERM or SIGINT; return the counts."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    io = await open_worker_io(settings)
    try:
        worker = Worker(settings, cfg, io)
        return await worker.run(stop, ready=lambda: _emit("worker_ready", queues=sorted(io.queues)))
    finally:
        await io.aclose()


def parse_args(argv: list[str] | None) -> WorkerConfig:
    p = argparse.ArgumentParser(prog="python -m api.workers.local", description=__doc__.splitlines()[0])
    p.add_argument("--visibility-timeout", type=int, default=None, help="seconds (default: the contract's)")
    p.add_argument("--wait-seconds", type=int, default=20, help="long-poll wait, 0-20")
    p.add_argument("--pollers", type=int, default=1, help="receive loops per queue")
    p.add_argument("--sweep-interval", type=float, default=2.0, help="seconds between outbox sweeps")
    p.add_argument("--sweep-older-than", type=float, default=5.0, help="relay pending events older than this")
    p.add_argument("--no-sweep", action="store_true", help="do not run the outbox sweeper")
    p.add_argument("--batching-window", type=float, default=None, help="seconds (default: the contract's)")
    a = p.parse_args(argv)
    bad_visibility = a.visibility_timeout is not None and a.visibility_timeout < 1
    bad_window = a.batching_window is not None and not 0 <= a.batching_window <= 300
    if not 0 <= a.wait_seconds <= 20 or a.pollers < 1 or bad_visibility or bad_window:
        p.error(
            "need 0 <= --wait-seconds <= 20, --pollers >= 1, --visibility-timeout >= 1, 0 <= --batching-window <= 300"
        )
    sweep = 0.0 if a.no_sweep else a.sweep_interval
    return WorkerConfig(a.visibility_timeout, a.wait_seconds, a.pollers, sweep, a.sweep_older_than, a.batching_window)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m api.workers.local` (and `labctl worker`)."""
    cfg = parse_args(argv)
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    if not (settings.hold_expiry_queue_url or settings.booking_events_queue_url):
        _emit(
            "error",
            code="worker_not_configured",
            message="No queue to poll: HOLD_EXPIRY_QUEUE_URL and BOOKING_EVENTS_QUEUE_URL are both unset.",
            hint="Start the local lab (`labctl up --local`) or export the queue URLs and SQS_ENDPOINT_URL.",
        )
        return EXIT_CONFIG
    stats = asyncio.run(serve(settings, cfg))
    _emit("worker_stopped", **asdict(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
