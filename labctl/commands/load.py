"""labctl load: release-day load (Locust) and the double-booking invariant checker (thin: parse, call, render)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from labctl.commands.options import JsonOpt
from labctl.output import console, emit, err_console, reporting

if TYPE_CHECKING:
    from labctl.load.service import LoadReport, SpikeOptions

app = typer.Typer(no_args_is_help=True)

TableOpt = Annotated[str | None, typer.Option(help="DynamoDB table to check (default: the local lab's).")]
DynamoOpt = Annotated[str | None, typer.Option(help="DynamoDB endpoint (DynamoDB Local).")]
RegionOpt = Annotated[str, typer.Option(help="AWS region of the table.")]
UnsafeOpt = Annotated[
    bool, typer.Option("--unsafe-locks", help="Local only: naive read-then-write seat lock (watch it break).")
]


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


@app.command()
def spike(
    target: Annotated[str | None, typer.Option("--target", help="Base URL of the API (e.g. the AWS lab).")] = None,
    local: Annotated[bool, typer.Option("--local", help="The local lab (`labctl up --local`).")] = False,
    scenario: Annotated[str, typer.Option(help="spike | hot-seat | steady")] = "spike",
    users: Annotated[int, typer.Option(help="Peak simulated users.")] = 300,
    duration: Annotated[str, typer.Option(help="Run length: 20s, 2m, 1m30s (a bare number is seconds).")] = "2m",
    html: Annotated[Path | None, typer.Option(help="Write Locust's HTML report here.")] = None,
    csv: Annotated[str | None, typer.Option(help="Write Locust's CSV files with this prefix.")] = None,
    unsafe_locks: UnsafeOpt = False,
    table: TableOpt = None,
    dynamodb_endpoint: DynamoOpt = None,
    region: RegionOpt = "us-east-1",
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
    from labctl.load import service

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
        emit(_run_spike(opts, as_json), as_json, _render_spike)


def _run_spike(opts: SpikeOptions, as_json: bool) -> LoadReport:
    """The run, with a live view on a terminal, a progress line every 10 s elsewhere, nothing with --json."""
    from labctl.load import report, service

    if as_json or not console.is_terminal:
        return service.spike(opts, None if as_json else _quiet_ticker())
    from rich.live import Live

    with Live(console=console, refresh_per_second=4) as live:
        return service.spike(opts, lambda tick: live.update(report.live_line(tick)))


def _quiet_ticker() -> Callable[[dict[str, Any]], None]:
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
    dynamodb_endpoint: DynamoOpt = None,
    region: RegionOpt = "us-east-1",
    log: Annotated[Path | None, typer.Option(help="load-log.jsonl of a run: scope to its shows.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run only the invariant checker (no seat booked twice, idempotency, expired holds, counts)."""
    from labctl.load import service

    with reporting(as_json=as_json):
        emit(service.check(local, table, dynamodb_endpoint, region, log), as_json, _render_invariants)


def _render_spike(result: LoadReport) -> None:
    from labctl.load import report

    report.render(result.doc, console)


def _render_invariants(result: LoadReport) -> None:
    from labctl.load import report

    report.render_invariants(result.invariants, console)
