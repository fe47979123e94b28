"""What the front door costs per request: `make bench-frontdoor` (python -m labctl.local.frontdoor.bench).

Starts the real API (uvicorn, in-memory store) and the front door in front of it, then sends the same
keep-alive GET /healthz requests directly and through the door (and through HAProxy when `haproxy` is on
PATH, for comparison) and prints, per path: the latency percentiles, the latency the hop adds, and the
CPU time the proxy process spent per request (user + system, from /proc). Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from labctl.local import services
from labctl.local.frontdoor.metrics import percentile
from labctl.local.ports import free_port, wait_for_port
from labctl.paths import REPO_ROOT

HAPROXY_CFG = """global
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    http-reuse always
frontend door
    bind 127.0.0.1:{port}
    default_backend blue
backend blue
    server api 127.0.0.1:{api_port}
"""


@dataclass(frozen=True)
class Run:
    path: str
    requests: int
    seconds: float
    p50_ms: float | None
    p95_ms: float | None
    proxy_cpu_ms_per_request: float | None


async def _one_connection(port: int, count: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - t0) * 1000)
    finally:
        writer.close()


def measure(path: str, port: int, requests: int, connections: int, proxy: psutil.Process | None) -> Run:
    """requests GETs over `connections` keep-alive connections; the proxy's CPU per request if given."""
    latencies: list[float] = []

    async def go() -> None:
        per = requests // connections
        await asyncio.gather(*(_one_connection(port, per, latencies) for _ in range(connections)))

    asyncio.run(_warm(port))
    cpu0 = sum(proxy.cpu_times()[:2]) if proxy else 0.0
    t0 = time.perf_counter()
    asyncio.run(go())
    seconds = time.perf_counter() - t0
    cpu = (sum(proxy.cpu_times()[:2]) - cpu0) if proxy else None
    return Run(
        path,
        len(latencies),
        round(seconds, 2),
        percentile(latencies, 0.5),
        percentile(latencies, 0.95),
        round(cpu * 1000 / len(latencies), 3) if cpu is not None and latencies else None,
    )


async def _warm(port: int) -> None:
    await _one_connection(port, 50, [])


@contextmanager
def _process(argv: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> Iterator[psutil.Process]:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
    try:
        if not wait_for_port(port, 60):
            raise SystemExit(f"{argv[0]} did not listen on {port}: {log.read_text()[-800:]}")
        yield psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m labctl.local.frontdoor.bench", description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=4000, help="per path and round")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--rounds", type=int, default=3, help="the paths take turns, so a busy moment hits all of them")
    a = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="frontdoor-bench-"))
    api_port, door_port, admin_port, ha_port = free_port(), free_port(), free_port(), free_port()
    env = services.child_env({"STORE": "memory", "LOG_LEVEL": "WARNING"})
    door_argv = [sys.executable, "-m", "labctl.local.frontdoor.server", "--port", str(door_port)]
    door_argv += ["--admin-port", str(admin_port), "--target", f"blue=http://127.0.0.1:{api_port}"]
    haproxy = shutil.which("haproxy")
    cfg = tmp / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG.format(port=ha_port, api_port=api_port))
    runs: dict[str, list[Run]] = {}
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process(services.api_argv(api_port), api_port, tmp / "api.log", env))
        paths: dict[str, tuple[int, psutil.Process | None]] = {"direct": (api_port, None)}
        paths["front door"] = (door_port, stack.enter_context(_process(door_argv, door_port, tmp / "door.log", env)))
        if haproxy:
            paths["haproxy"] = (
                ha_port,
                stack.enter_context(_process([haproxy, "-f", str(cfg)], ha_port, tmp / "ha.log")),
            )
        time.sleep(0.5)  # the door's first health check makes blue serve
        for _ in range(a.rounds):
            for name, (port, proc) in paths.items():
                runs.setdefault(name, []).append(measure(name, port, a.requests, a.connections, proc))
    _report(runs, a, haproxy is not None)
    return 0


def _median(values: list[float | None]) -> float:
    known = sorted(v for v in values if v is not None)
    return known[len(known) // 2] if known else 0.0


def _report(runs: dict[str, list[Run]], a: argparse.Namespace, had_haproxy: bool) -> None:
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"{a.requests} GET /healthz over {a.connections} keep-alive connections, {a.rounds} rounds; medians")
    direct = _median([r.p50_ms for r in runs["direct"]])
    print(f"{'path':<12}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'+p50 ms':>9}{'proxy CPU ms/req':>18}")
    for name, rs in runs.items():
        p50 = _median([r.p50_ms for r in rs])
        added = f"{p50 - direct:+.2f}" if name != "direct" else "-"
        cpu = f"{_median([r.proxy_cpu_ms_per_request for r in rs]):.3f}" if name != "direct" else "-"
        rate = _median([r.requests / r.seconds for r in rs if r.seconds])
        print(f"{name:<12}{rate:>8.0f}{p50:>9.2f}{_median([r.p95_ms for r in rs]):>9.2f}{added:>9}{cpu:>18}")
    if not had_haproxy:
        print("(haproxy is not on PATH: apt-get install haproxy to compare)")


if __name__ == "__main__":
    raise SystemExit(main())
