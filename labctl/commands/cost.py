"""labctl cost: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from labctl.commands.options import JsonOpt
from labctl.output import emit, reporting

app = typer.Typer(no_args_is_help=True)

TtlOpt = Annotated[str, typer.Option("--ttl", help="How long the lab lives (15m..12h).")]
ComputeOpt = Annotated[str, typer.Option("--compute", help="fargate, lambda or both (side by side).")]
RequestsOpt = Annotated[int, typer.Option("--requests", help="Requests during the TTL (usage-based cost).")]
RegionOpt = Annotated[str, typer.Option("--region", help="Region whose list prices apply.")]
DetailsOpt = Annotated[bool, typer.Option("--details", help="Every priced line, not the grouped view.")]
CdkOutOpt = Annotated[Path | None, typer.Option("--cdk-out", help="Read this cloud assembly instead of synthesizing.")]


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


@app.command()
def estimate(
    ttl: TtlOpt = "2h",
    compute: ComputeOpt = "both",
    requests: RequestsOpt = 10_000,
    region: RegionOpt = "us-east-1",
    cdk_out: CdkOutOpt = None,
    details: DetailsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """What the lab costs: per hour, for the TTL, per month if forgotten, from the synthesized templates."""
    from labctl.cost.service import EstimateResult, run_estimate

    with reporting(as_json=as_json):
        result = run_estimate(
            ttl=ttl, compute=compute, requests=requests, region=region, cdk_out=cdk_out, details=details
        )
        emit(result, as_json, EstimateResult.render)
