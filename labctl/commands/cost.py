"""labctl cost: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path

import typer

from labctl.output import LabError, print_json, reporting

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


@app.command()
def estimate(
    ttl: str = typer.Option("2h", "--ttl", help="How long the lab lives (15m..12h)."),
    compute: str = typer.Option("both", "--compute", help="fargate, lambda or both (side by side)."),
    requests: int = typer.Option(10_000, "--requests", help="Requests during the TTL (usage-based cost)."),
    region: str = typer.Option("us-east-1", "--region", help="Region whose list prices apply."),
    cdk_out: Path | None = typer.Option(None, "--cdk-out", help="Read this cloud assembly instead of synthesizing."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """What the lab costs: per hour, for the TTL, per month if forgotten, from the synthesized templates."""
    with reporting(as_json=as_json):
        from labctl.cost import service

        if compute not in ("fargate", "lambda", "both"):
            raise LabError("invalid_compute", f"--compute {compute!r} is not fargate, lambda or both.")
        if requests < 0:
            raise LabError("invalid_requests", "--requests must be 0 or more.")
        result = service.run_estimate(ttl=ttl, compute=compute, requests=requests, region=region, cdk_out=cdk_out)
        if as_json:
            print_json(result.as_json())
        else:
            result.render()
