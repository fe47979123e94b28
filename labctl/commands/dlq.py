"""labctl dlq: what is in the dead-letter queues, and moving it back (thin: parse, call, render)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from labctl.commands.options import JsonOpt, LocalOpt, ProfileOpt, RegionOpt
from labctl.output import Result, console, emit, reporting

if TYPE_CHECKING:
    from labctl.dlq.service import Listing, Redriven, Where

app = typer.Typer(no_args_is_help=True)
R = TypeVar("R", bound=Result)

EndpointOpt = Annotated[
    str | None, typer.Option("--endpoint-url", help="An SQS endpoint (implies local; e.g. a moto server).")
]
QueueOpt = Annotated[str | None, typer.Option("--queue", help="hold_expiry or booking_events (default: all).")]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Queue name prefix on AWS: the lab name and '-'.")]


@app.callback()
def _group() -> None:
    """Inspect and redrive the dead-letter queues."""


def _command(name: str, run: Callable[[Where], R], render: Callable[[R], None], doc: str) -> None:
    """Register one dlq subcommand; list and redrive take the same queue options."""

    def command(
        local: LocalOpt = False,
        endpoint_url: EndpointOpt = None,
        queue: QueueOpt = None,
        prefix: PrefixOpt = "",
        region: RegionOpt = None,
        profile: ProfileOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from labctl.dlq.service import Where

        with reporting(as_json=as_json):
            emit(run(Where(local, endpoint_url, queue, prefix, region, profile)), as_json, render)

    command.__doc__ = doc
    app.command(name)(command)


def _list(where: Where) -> Listing:
    from labctl.dlq.service import list_dlqs

    return list_dlqs(where)


def _redrive(where: Where) -> Redriven:
    from labctl.dlq.service import redrive

    return redrive(where)


def _render_listing(listing: Listing) -> None:
    for r in listing.reports:
        age = "-" if r.oldest_age_seconds is None else f"{r.oldest_age_seconds:.0f}s"
        console.print(f"[bold]{r.dlq}[/]: {r.messages} message(s), oldest {age}")
        console.print(f"  for {r.queue}, after {r.max_receive_count} receives")
        if r.sample_body is not None:
            console.print(f"  sample: {r.sample_body}", markup=False)


def _render_redriven(redriven: Redriven) -> None:
    for r in redriven.results:
        how = f"move task {r.task_handle}" if r.method == "move_task" else "receive/send/delete"
        console.print(f"[bold]{r.dlq}[/] -> {r.queue}: {r.moved} message(s) ({how})")


_command(
    "list", _list, _render_listing, "Show each DLQ: message count, age of the oldest sampled message, a sample body."
)
_command(
    "redrive",
    _redrive,
    _render_redriven,
    "Move DLQ messages back to their source queue (StartMessageMoveTask on AWS, else copy).",
)
