"""The detached supervisor's own process (`labctl up --local --detach`): its command line, both sides of it."""

from __future__ import annotations

import argparse
import sys
import time

from labctl.local import state
from labctl.local.supervisor import Options, Supervisor
from labctl.output import LabError

MODULE = "labctl.local.detached"


def argv(opts: Options) -> list[str]:
    """The command that runs the supervisor of opts in a process of its own."""
    args = [sys.executable, "-m", MODULE, "--port", str(opts.port), "--ttl-seconds", str(opts.ttl_seconds)]
    args += ["--hold-ttl", str(opts.hold_ttl), "--launch-id", opts.launch_id]
    return args + (["--t0", str(opts.t0)] if opts.t0 else [])


def options(args: list[str] | None = None) -> Options:
    """The Options that argv() wrote (a detached supervisor always runs detached)."""
    p = argparse.ArgumentParser(prog=f"python -m {MODULE}")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ttl-seconds", type=int, required=True)
    p.add_argument("--hold-ttl", type=int, required=True)
    p.add_argument("--launch-id", required=True)
    p.add_argument("--t0", type=float, default=None, help="epoch seconds when `labctl up` started")
    a = p.parse_args(args)
    return Options(a.port, a.ttl_seconds, a.hold_ttl, True, a.launch_id, t0=a.t0)


def main(args: list[str] | None = None) -> int:
    """Run the lab until it is stopped; a start failure is written where `labctl up` reads it."""
    opts = options(args)

    def log(msg: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {msg}\n")
        sys.stderr.flush()

    sup = Supervisor(opts, progress=log)
    try:
        sup.run(on_ready=lambda lab: log(f"ready in {lab.startup_seconds} s: {lab.ui_url}"))
    except LabError as err:
        log(f"error {err.code}: {err.message}")
        state.write_error(opts.launch_id, err)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
