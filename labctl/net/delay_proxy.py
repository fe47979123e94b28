"""A local TCP proxy that adds one-way delay, so localhost behaves like a link with a chosen RTT.

Bytes are delayed, not throttled: every chunk leaves rtt/2 after it arrived, in order, so a TLS
flight pipelines exactly as on a long link. The kernel completes the loopback TCP handshake
instantly and userspace cannot delay a SYN-ACK, so the proxy models it: it opens the tunnel one
RTT after accept. With `announce_connect` it says so with one byte (labctl's timer reads it as
its SYN-ACK); without, it holds the client's first bytes until then, which costs the same
total time for clients that know nothing about the proxy (httpx, curl).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

CONNECTED = b"\x01"  # the emulated SYN-ACK, only sent when announce_connect is set


class DelayProxy:
    """Forward 127.0.0.1:<port> to upstream, adding one_way seconds in each direction."""

    def __init__(self, upstream: tuple[str, int], one_way: float, *, announce_connect: bool) -> None:
        self.upstream = upstream
        self.one_way = one_way
        self.announce_connect = announce_connect
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="delay-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> DelayProxy:
        """Listen on an ephemeral port in a background event loop."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=5)
        return self

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        try:
            # SYN one way, SYN-ACK back: the client may send its first byte one RTT after it dialled
            await asyncio.sleep(max(0.0, accepted + 2 * self.one_way - loop.time()))
            if self.announce_connect:
                writer.write(CONNECTED)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except asyncio.CancelledError:
            pass  # stop() tears the proxy down mid-connection; nothing to report
        finally:
            for w in (writer, up_writer):
                w.close()

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def pump() -> None:
            # stamp on arrival, so back-to-back chunks keep their spacing (propagation delay, not a queue)
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    queue.put_nowait((loop.time() + self.one_way, data))
            queue.put_nowait((loop.time() + self.one_way, b""))

        pump_task = asyncio.create_task(pump())
        try:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not data:
                    if dst.can_write_eof():
                        dst.write_eof()  # pass the FIN on, keep the other direction open
                    return
                dst.write(data)
                await dst.drain()
        except OSError:
            return  # the peer went away; the other direction finds out on its own
        finally:
            pump_task.cancel()

    def stop(self) -> None:
        """Close the listener and stop the loop thread."""

        async def _close() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> DelayProxy:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
