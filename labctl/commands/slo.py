"""labctl slo: SLIs, error budgets and burn rates from CloudWatch (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labctl.commands.options import JsonOpt, ProfileOpt
from labctl.output import console, emit, reporting

if TYPE_CHECKING:
    from labctl.slo.report import Report
    from labctl.slo.service import Explanation

app = typer.Typer(no_args_is_help=True)

WindowOpt = Annotated[str | None, typer.Option("--window", help="SLO window (default: contracts/slo.yaml, 30d).")]
LocalOpt = Annotated[bool, typer.Option("--local", help="Read the local lab's CloudWatch (moto).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Ignore data before this ISO time (UTC).")]
EndpointOpt = Annotated[str | None, typer.Option("--endpoint-url", help="CloudWatch endpoint (e.g. moto).")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region of the lab.")]
HtmlOpt = Annotated[Path | None, typer.Option("--html", help="Also write an HTML report to this file.")]


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


@app.command()
def report(
    window: WindowOpt = None,
    local: LocalOpt = False,
    since: SinceOpt = None,
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    html_file: HtmlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per SLO: SLI, error budget (events, minutes), consumed/remaining, burn rates, alerts, budget chart."""
    from labctl.slo import service

    with reporting(as_json=as_json):
        opts = service.ReportOptions(window, local, since, endpoint_url, region, profile, html_file)
        emit(service.report(opts), as_json, _render_report)


@app.command()
def explain(as_json: JsonOpt = False) -> None:
    """What each number of `slo report` means and how the alarm thresholds follow from the objectives."""
    from labctl.slo import service

    with reporting(as_json=as_json):
        emit(service.explain(), as_json, _render_explanation)


def _render_report(result: Report) -> None:
    from labctl.slo.render import render_text

    render_text(result, console)


def _render_explanation(explanation: Explanation) -> None:
    from labctl.slo.explain import explain_lines

    for line in explain_lines(explanation.spec):
        console.print(line, markup=False, highlight=False)
