"""The front door's health checks: GET <path> on each registered target, as often as the ALB would.

A check is a fresh connection each time (the ALB closes its health-check connections), a 200 within the
timeout passes; anything else fails with the ALB's reason code. The first check runs at registration.
"""

from __future__ import annotations

import asyncio
import contextlib

from labctl.local.frontdoor.groups import Target, TargetGroups


async def check(target: Target, path: str, timeout_s: float) -> tuple[bool, str]:
    """(passed, reason): the reason codes are the ALB's (Target.Timeout, Target.ResponseCodeMismatch, ...)."""
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(target.host, target.port)
            host = f"{target.host}:{target.port}".encode()
            writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\nhost: " + host + b"\r\nconnection: close\r\n\r\n")
            status_line = await reader.readline()
    except TimeoutError:
        return False, "Target.Timeout"
    except OSError:
        return False, "Target.FailedHealthChecks"
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return False, "Target.FailedHealthChecks"
    return (True, "") if parts[1] == b"200" else (False, "Target.ResponseCodeMismatch")


async def watch(groups: TargetGroups, target: Target) -> None:
    """Check target every interval until it drains or leaves its group."""
    d = groups.deployment
    while target.state != "draining" and any(t is target for t in groups.targets()):
        ok, reason = await check(target, d.health_path, d.health_timeout_s)
        groups.health_result(target, ok, reason)
        await asyncio.sleep(d.health_interval_s)
