"""labctl dlq: what is in the dead-letter queues, and moving it back (thin: parse, call, render)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from labctl.output import console, print_json, reporting

app = typer.Typer(no_args_is_help=True)

LocalOpt = Annotated[bool, typer.Option("--local", help="The local lab (endpoint from its state file).")]
EndpointOpt = Annotated[
    str | None, typer.Option("--endpoint-url", help="An SQS endpoint (implies local; e.g. a moto server).")
]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Queue name prefix on AWS: the lab name and '-'.")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (default: your profile's).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.callback()
def _group() -> None:
    """Inspect and redrive the dead-letter queues."""


def _target(local: bool, endpoint_url: str | None, prefix: str, region: str | None, profile: str | None) -> Any:
    from labctl.dlq.queues import Target, local_target

    if local or endpoint_url:
        target = local_target(endpoint_url)
        return Target(target.region, target.endpoint_url, None, prefix, target.known_urls)
    import boto3

    resolved = region or boto3.Session(profile_name=profile).region_name or "us-east-1"
    return Target(resolved, None, profile, prefix)


QueueOpt = Annotated[str | None, typer.Option("--queue", help="hold_expiry or booking_events (default: all).")]


@app.command("list")
def list_(
    local: LocalOpt = False,
    endpoint_url: EndpointOpt = None,
    queue: QueueOpt = None,
    prefix: PrefixOpt = "",
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show each DLQ: message count, age of the oldest sampled message, a sample body."""
    from labctl.dlq import ops, queues

    with reporting(as_json=as_json):
        target = _target(local, endpoint_url, prefix, region, profile)
        sqs = queues.sqs_client(target)
        reports = [ops.inspect(sqs, pair) for pair in queues.discover(sqs, target, queue)]
        if as_json:
            print_json({"dlqs": [r.as_dict() for r in reports]})
            return
        for r in reports:
            age = "-" if r.oldest_age_seconds is None else f"{r.oldest_age_seconds:.0f}s"
            head = f"[bold]{r.dlq}[/] (for {r.queue}, after {r.max_receive_count} receives)"
            console.print(f"{head}: {r.messages} message(s), oldest {age}")
            if r.sample_body is not None:
                console.print(f"  sample: {r.sample_body}", markup=False)


@app.command()
def redrive(
    local: LocalOpt = False,
    endpoint_url: EndpointOpt = None,
    queue: QueueOpt = None,
    prefix: PrefixOpt = "",
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move DLQ messages back to their source queue (StartMessageMoveTask on AWS, else copy)."""
    from labctl.dlq import ops, queues

    with reporting(as_json=as_json):
        target = _target(local, endpoint_url, prefix, region, profile)
        # One attempt only: an endpoint without StartMessageMoveTask answers 500, retrying will not help.
        sqs = queues.sqs_client(target, max_attempts=1)
        results = [
            ops.redrive(sqs, pair, prefer_move_task=not target.local) for pair in queues.discover(sqs, target, queue)
        ]
        if as_json:
            print_json({"redriven": [r.as_dict() for r in results]})
            return
        for r in results:
            how = f"move task {r.task_handle}" if r.method == "move_task" else "receive/send/delete"
            console.print(f"[bold]{r.dlq}[/] -> {r.queue}: {r.moved} message(s) ({how})")
