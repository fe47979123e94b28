"""The lab's front door process: the ALB of the local lab, with its blue and green target groups.

    python -m labctl.local.frontdoor.server --port 8080 --admin-port 9001 --target blue=http://127.0.0.1:41234

Listens on the lab's public port (what browsers, labctl and Locust use) and on a loopback admin port
(admin.py). An asyncio protocol with httptools' parser on uvloop, like the lab's queue service (ADR 0015):
the cost per proxied request is measured in docs/adr/0020-local-front-door.md. SIGTERM or SIGINT: stop
accepting, let the requests in flight finish (bounded), exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from urllib.parse import urlsplit

from labctl.local.deployment import contract
from labctl.local.frontdoor.admin import Admin
from labctl.local.frontdoor.checks import watch
from labctl.local.frontdoor.groups import COLOURS, Target, TargetGroups
from labctl.local.frontdoor.proxy import FrontDoor
from labctl.local.frontdoor.wire import Downstream

HOST = "127.0.0.1"
TICK_S = 0.1  # how often drains that ran out of time end and idle pooled connections close
STOP_GRACE_S = 5.0


def _log(message: str) -> None:
    sys.stdout.write(f"{time.strftime('%H:%M:%S')} {message}\n")
    sys.stdout.flush()


async def serve(port: int, admin_port: int, targets: dict[str, str], host: str = HOST) -> None:
    """Run until SIGTERM/SIGINT; `targets` ({"blue": url}) are registered at once, the first one weighted 100."""
    loop = asyncio.get_running_loop()
    groups = TargetGroups(contract(), time.time)
    door = FrontDoor(groups, port)
    checks: set[asyncio.Task[None]] = set()

    def on_register(target: Target) -> None:
        task = loop.create_task(watch(groups, target))
        checks.add(task)
        task.add_done_callback(checks.discard)

    admin = Admin(groups, on_register, door.drop_pool)
    for colour, url in targets.items():
        parts = urlsplit(url)
        on_register(groups.register(colour, parts.hostname or HOST, parts.port or 80))
    if targets:
        groups.set_weights({next(iter(targets)): 100})
    server = await loop.create_server(lambda: Downstream(door.handle), host, port, reuse_address=True, backlog=2048)
    admin_server = await loop.create_server(lambda: Downstream(admin.handle), host, admin_port, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    _log(f"frontdoor_ready port={port} admin_port={admin_port} targets={targets}")
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), TICK_S)
        except TimeoutError:
            for target in groups.tick():
                door.drop_pool(target)
            door.expire_idle()
    server.close()
    admin_server.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(door.idle.wait(), STOP_GRACE_S)
    for task in checks:
        task.cancel()
    _log(f"frontdoor_stopped in_flight_left={door.in_flight}")


def _target(text: str) -> tuple[str, str]:
    colour, _, url = text.partition("=")
    if colour not in COLOURS or not url.startswith("http://"):
        raise argparse.ArgumentTypeError(f"{text!r}: use blue=http://127.0.0.1:PORT")
    return colour, url


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m labctl.local.frontdoor.server")
    p.add_argument("--host", default=HOST)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--admin-port", type=int, required=True)
    p.add_argument("--target", type=_target, action="append", default=[], help="colour=url, e.g. blue=http://...")
    a = p.parse_args(argv)
    import uvloop

    uvloop.run(serve(a.port, a.admin_port, dict(a.target), a.host))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
