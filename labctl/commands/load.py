"""labctl load: release-day load (Locust) and the double-booking invariant checker (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from labctl.output import EXIT_FAILURE, console, err_console, print_json, reporting

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


@app.command()
def spike(
    target: Annotated[str | None, typer.Option("--target", help="Base URL of the API (e.g. the AWS lab).")] = None,
    local: Annotated[bool, typer.Option("--local", help="The local lab (`labctl up --local`).")] = False,
    scenario: Annotated[str, typer.Option(help="spike | hot-seat | steady")] = "spike",
    users: Annotated[int, typer.Option(help="Peak simulated users.")] = 300,
    duration: Annotated[str, typer.Option(help="Run length: 20s, 2m, 1m30s.")] = "2m",
    html: Annotated[Path | None, typer.Option(help="Write Locust's HTML report here.")] = None,
    csv: Annotated[str | None, typer.Option(help="Write Locust's CSV files with this prefix.")] = None,
    unsafe_locks: Annotated[
        bool, typer.Option("--unsafe-locks", help="Local only: naive read-then-write seat lock (watch it break).")
    ] = False,
    table: Annotated[str | None, typer.Option(help="DynamoDB table to check (default: the local lab's).")] = None,
    dynamodb_endpoint: Annotated[str | None, typer.Option(help="DynamoDB endpoint (DynamoDB Local).")] = None,
    region: Annotated[str, typer.Option(help="AWS region of the table.")] = "us-east-1",
    out_dir: Annotated[Path | None, typer.Option(help="Where the load log and summary go.")] = None,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Run the invariant checker after the load.")] = True,
    workers: Annotated[int, typer.Option(help="Locust in distributed mode: a master and N worker processes.")] = 0,
    remote_workers: Annotated[
        int, typer.Option(help="Also wait for N workers from other machines (`labctl load worker`).")
    ] = 0,
    master_bind: Annotated[str, typer.Option(help="Address the master listens on for workers.")] = "127.0.0.1",
    master_port: Annotated[int, typer.Option(help="Port the master listens on for workers.")] = 5557,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Release-day load: Locust headless with a live view, per-endpoint numbers, SLO verdict, invariants."""
    from labctl.load import report, service

    opts = service.SpikeOptions(
        target,
        local,
        scenario,
        users,
        duration,
        html,
        csv,
        unsafe_locks,
        table,
        dynamodb_endpoint,
        region,
        out_dir,
        check,
        workers,
        remote_workers,
        master_bind,
        master_port,
    )
    with reporting(as_json=as_json):
        if as_json or not console.is_terminal:
            doc = service.spike(opts, _quiet_ticker() if not as_json else None)
        else:
            from rich.live import Live

            with Live(console=console, refresh_per_second=4) as live:
                doc = service.spike(opts, lambda tick: live.update(report.live_line(tick)))
        if as_json:
            print_json(doc)
        else:
            report.render(doc, console)
    if not all(inv["ok"] for inv in doc["invariants"]):
        raise typer.Exit(EXIT_FAILURE)


def _quiet_ticker() -> Any:
    """Not a terminal: one progress line on stderr every 10 s instead of a live view."""
    from labctl.load import report

    last = {"t": -10.0}

    def tick(live: dict[str, Any]) -> None:
        if float(live.get("elapsed_s", 0)) - last["t"] >= 10:
            last["t"] = float(live.get("elapsed_s", 0))
            err_console.print(report.live_line(live))

    return tick


@app.command("worker")
def worker_cmd(
    master: Annotated[str, typer.Option(help="HOST[:PORT] of the master (`labctl load spike --remote-workers N`).")],
    processes: Annotated[int, typer.Option(help="Worker processes to start on this machine.")] = 1,
) -> None:
    """Join a distributed run from another machine: Locust workers that take their orders from the master."""
    from labctl.load import distributed

    with reporting(as_json=False):
        raise typer.Exit(distributed.join(master, processes))


@app.command("check")
def check_cmd(
    local: Annotated[bool, typer.Option("--local", help="Check the local lab's table.")] = False,
    table: Annotated[str | None, typer.Option(help="DynamoDB table name.")] = None,
    dynamodb_endpoint: Annotated[str | None, typer.Option(help="DynamoDB endpoint (DynamoDB Local).")] = None,
    region: Annotated[str, typer.Option(help="AWS region of the table.")] = "us-east-1",
    log: Annotated[Path | None, typer.Option(help="load-log.jsonl of a run: scope to its shows.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Run only the invariant checker (no seat booked twice, idempotency, expired holds, counts)."""
    from labctl.load import report, service

    with reporting(as_json=as_json):
        doc = service.check(local, table, dynamodb_endpoint, region, log)
        if as_json:
            print_json(doc)
        else:
            report.render_invariants(doc["invariants"], console)
    if not doc["ok"]:
        raise typer.Exit(EXIT_FAILURE)
