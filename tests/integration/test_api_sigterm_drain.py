"""The API drains on SIGTERM: it stops accepting at once and finishes the requests already in flight.

The real uvicorn command line of the lab (labctl.local.services.api_argv, graceful shutdown from
contracts/deployment.json, as the image's), in-memory store, every /api/ answer held 1.5 s
(FAULT_LATENCY_MS) so requests are surely in flight when SIGTERM lands.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from labctl.local import services
from labctl.local.deployment import contract
from labctl.local.ports import free_port, port_open, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
HELD_MS = 1500
IN_FLIGHT = 8


async def _requests_across_sigterm(port: int, proc: subprocess.Popen[bytes]) -> tuple[list[int], float, bool]:
    """IN_FLIGHT held requests, SIGTERM while they wait; their statuses, when SIGTERM went, refused after it."""
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:

        async def one() -> int:
            async with session.get("/api/movies") as res:
                await res.read()
                return res.status

        tasks = [asyncio.create_task(one()) for _ in range(IN_FLIGHT)]
        await asyncio.sleep(0.5)  # every request is inside the API, held by FAULT_LATENCY_MS
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        refused = False
        for _ in range(20):  # a new connection is refused once uvicorn closed its socket
            await asyncio.sleep(0.05)
            if not port_open(port):
                refused = True
                break
        return list(await asyncio.gather(*tasks)), sent, refused


def test_sigterm_lets_in_flight_requests_finish_and_refuses_new_ones(tmp_path: Path) -> None:
    port = free_port()
    env = services.child_env({"STORE": "memory", "LOG_LEVEL": "WARNING", "FAULT_LATENCY_MS": str(HELD_MS)})
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(services.api_argv(port), stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        assert wait_for_port(port, 60), log.read_text()
        statuses, sent, refused = asyncio.run(_requests_across_sigterm(port, proc))
        code = proc.wait(timeout=contract().stop_timeout_s)
        exited_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert statuses == [200] * IN_FLIGHT, log.read_text()[-2000:]
    assert refused, "the API still accepted connections after SIGTERM"
    assert code == -signal.SIGTERM  # a clean stop: uvicorn re-raises the signal once it has drained (ECS: 143)
    # it waited for the held requests (about 1 s left of 1.5 s), and not for the whole graceful timeout
    assert 0.5 < exited_after < contract().graceful_shutdown_s
    assert "Waiting for connections to close" in log.read_text()
