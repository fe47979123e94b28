"""`labctl load worker`: Locust worker processes on this machine for a master elsewhere.

The master (`labctl load spike --target URL --workers N --remote-workers M --master-bind 0.0.0.0`) runs the
load shape and sends the scenario, user count and target to every worker; a worker only needs the master's
address. Untested against AWS: here both ends ran on 127.0.0.1.
"""

from __future__ import annotations

import subprocess

from labctl.load import runner, target
from labctl.output import LabError
from labctl.paths import REPO_ROOT


def parse_master(master: str) -> tuple[str, int]:
    """HOST or HOST:PORT -> (host, port); LabError `invalid_master` otherwise."""
    host, _, port = master.rpartition(":") if ":" in master else (master, "", str(runner.MASTER_PORT))
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LabError("invalid_master", f"--master {master!r} is not HOST[:PORT].", "e.g. --master 10.0.0.5:5557")
    return host, int(port)


def join(master: str, processes: int) -> int:
    """Run `processes` workers until their master ends the run (or Ctrl-C); the worst exit code."""
    host, port = parse_master(master)
    target.validate_workers(processes, 0)
    if processes < 1:
        raise LabError("invalid_workers", "--processes must be at least 1.", "e.g. --processes 2")
    procs = [subprocess.Popen(runner.worker_argv(host, port), cwd=REPO_ROOT) for _ in range(processes)]
    try:
        return max(p.wait() for p in procs)
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        return max(p.wait(timeout=30) for p in procs)
