"""labctl worker: run the local SQS worker in the foreground (thin: parse, call, render)."""

from __future__ import annotations

from typing import Annotated

import typer

from labctl.output import reporting


def register(app: typer.Typer) -> None:
    """Add `worker` to the root app."""

    @app.command()
    def worker(
        local: Annotated[
            bool, typer.Option("--local", help="Poll the local lab's queues (the only mode: on AWS, Lambda does).")
        ] = False,
        visibility_timeout: Annotated[
            int | None, typer.Option("--visibility-timeout", min=1, help="Seconds (default: the contract's 180).")
        ] = None,
        pollers: Annotated[int, typer.Option("--pollers", min=1, help="Receive loops per queue.")] = 1,
        sweep: Annotated[bool, typer.Option("--sweep/--no-sweep", help="Also run the outbox sweeper.")] = True,
    ) -> None:
        """Long-poll the local queues and run the Lambda handlers (Ctrl-C stops it cleanly)."""
        from labctl.local import worker_launcher

        del local  # accepted for symmetry with the other commands; there is no AWS mode to choose
        with reporting():
            env = worker_launcher.lab_env_from_state()
            opts = worker_launcher.WorkerOptions(visibility_timeout=visibility_timeout, pollers=pollers, sweep=sweep)
            code = worker_launcher.run_foreground(env, opts)
        raise typer.Exit(code)
