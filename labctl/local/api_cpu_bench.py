"""`python -m labctl.local.api_cpu_bench [--ref main]`: the API's CPU per request on a short bounded spike.

Starts the API as it runs in the lab (uvicorn, uvloop, httptools; memory store, so only the API's own CPU
is counted), sends the same mix from N simulated customers (each its own cookie jar, hence its own client
for the per-client limits): seat maps, catalog reads, holds. It prints user+system CPU ms per request of the
API process and the load average, for this tree and, with --ref, for a git ref of the same repository
(checked out to a temporary directory), so a change's cost is measured as before/after on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from labctl.local import services
from labctl.local.ports import free_port, wait_for_port
from loadtests.cpu import cpu_seconds

REPO = Path(__file__).resolve().parents[2]
LIFTED = {"HOLD_RATE_BURST": "100000", "HOLD_RATE_PER_S": "100000", "SEAT_CAP_PER_SHOW": "1000"}


def _customer(base: str, show: str, requests: int, seed: int) -> int:
    rng = random.Random(seed)
    done = 0
    with httpx.Client(base_url=base, timeout=10) as http:
        for _ in range(requests):
            roll = rng.random()
            if roll < 0.6:
                http.get(f"/api/shows/{show}/seats")
            elif roll < 0.8:
                http.get("/api/movies")
            else:
                http.post(
                    f"/api/shows/{show}/holds", json={"seat_ids": [f"{rng.choice('ABCDEFGHIJ')}{rng.randint(1, 12)}"]}
                )
            done += 1
    return done


def measure(tree: Path, *, customers: int, per_customer: int) -> dict[str, Any]:
    """CPU ms per request of one API process started from `tree`."""
    port = free_port()
    env = {**os.environ, "STORE": "memory", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(tree), **LIFTED}
    argv = [a for a in services.api_argv(port) if a != "--no-server-header"]  # an older tree's uvicorn args
    log = (Path(tempfile.gettempdir()) / f"api-cpu-{port}.log").open("wb")
    proc = subprocess.Popen(argv, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_for_port(port, 60):
            raise SystemExit(f"the API from {tree} did not start")
        base = f"http://127.0.0.1:{port}"
        movie = httpx.get(f"{base}/api/movies", timeout=10).json()["items"][0]["id"]
        show = httpx.get(f"{base}/api/movies/{movie}/shows", timeout=10).json()["items"][0]["id"]
        _customer(base, show, 200, seed=0)  # warm-up, not counted
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        with ThreadPoolExecutor(customers) as pool:
            sent = sum(pool.map(lambda i: _customer(base, show, per_customer, i + 1), range(customers)))
        cpu, wall = cpu_seconds(proc.pid) - cpu0, time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return {"requests": sent, "cpu_ms_per_request": round(cpu * 1000 / sent, 3), "rps": round(sent / wall, 1)}


def middleware_us(n: int = 20_000) -> dict[str, float]:
    """CPU microseconds per request that each edge middleware adds to a GET with browser-like headers."""
    import asyncio
    import hashlib
    import hmac

    from api.adapters.clock import SystemClock
    from api.http.client_id import ClientIdMiddleware, signed_cookie_value
    from api.http.limits import RequestLimitsMiddleware
    from api.http.security_headers import SecurityHeadersMiddleware
    from api.service.limits import Rate

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    dev_key = "local-dev-signing-key-not-secret"
    key = hmac.new(dev_key.encode(), b"labctl client identity", hashlib.sha256).digest()
    headers = [
        (b"host", b"127.0.0.1:8080"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120"),
        (b"accept", b"application/json"),
        (b"accept-language", b"en-US,en;q=0.9"),
        (b"cookie", b"labctl_client=" + signed_cookie_value(key, "abcdefghijklmnop").encode()),
        (b"x-request-id", b"0123456789abcdef0123456789abcdef"),
    ]
    scope = {"type": "http", "method": "GET", "path": "/api/shows/s1/seats", "headers": headers, "client": ("::1", 1)}

    def client_id(inner: Any) -> Any:
        return ClientIdMiddleware(inner, signing_key=lambda: dev_key, clock=SystemClock, new_per_ip=Rate(1000, 2.0))

    def limits(inner: Any) -> Any:
        return RequestLimitsMiddleware(inner, max_body_bytes=16384, max_header_bytes=8192, body_timeout_s=10)

    stacks = {
        "none": app,
        "client id": client_id(app),
        "request limits": limits(app),
        "security headers": SecurityHeadersMiddleware(app),
        "all three": SecurityHeadersMiddleware(limits(client_id(app))),
    }

    async def per_request(stack: Any) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for _ in range(n):
                await stack({**scope, "state": {}}, receive, send)
            best = min(best, (time.process_time() - t0) / n * 1e6)
        return best

    async def run() -> dict[str, float]:
        base = await per_request(app)
        return {name: round(await per_request(stack) - base, 2) for name, stack in stacks.items() if name != "none"}

    return asyncio.run(run())


def _checkout(ref: str, into: Path) -> Path:
    archive = into / "tree.tar"
    git = shutil.which("git") or "/usr/bin/git"
    subprocess.run([git, "archive", "--format=tar", "-o", str(archive), ref], cwd=REPO, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="also measure this git ref (e.g. main), for a before/after")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--per-customer", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    args = parser.parse_args(argv)
    trees = {"this tree": REPO}
    with tempfile.TemporaryDirectory() as tmp:
        if args.ref:
            trees[args.ref] = _checkout(args.ref, Path(tmp))
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(measure(tree, customers=args.customers, per_customer=args.per_customer))
    out = {
        "middleware_us_per_request": middleware_us(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "results": {
            name: sorted(r, key=lambda x: x["cpu_ms_per_request"])[len(r) // 2]
            | {"rounds": [x["cpu_ms_per_request"] for x in r]}
            for name, r in runs.items()
        },
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
