"""labctl slo: SLIs, error budgets and burn rates from CloudWatch (thin: parse, call, render)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from labctl.output import LabError, console, print_json, reporting

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise LabError("invalid_since", f"--since {raw!r} is not ISO 8601", "e.g. 2026-11-25T10:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def report(
    window: str | None = typer.Option(None, "--window", help="SLO window (default: contracts/slo.yaml, 30d)."),
    local: bool = typer.Option(False, "--local", help="Read the local lab's CloudWatch (moto)."),
    since: str | None = typer.Option(None, "--since", help="Ignore data before this ISO time (UTC)."),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="CloudWatch endpoint (e.g. moto)."),
    region: str | None = typer.Option(None, "--region", help="AWS region of the lab."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    html_file: Path | None = typer.Option(None, "--html", help="Also write an HTML report to this file."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Per SLO: SLI, error budget (events, minutes), consumed/remaining, burn rates, alerts, budget chart."""
    with reporting(as_json=as_json):
        from labctl.durations import SLO_WINDOW, parse_duration
        from labctl.slo.local import local_endpoint
        from labctl.slo.render import render_html, render_text
        from labctl.slo.report import build_report
        from labctl.slo.source import CloudWatchSource, cloudwatch_client
        from labctl.slo.spec import load_spec

        spec = load_spec()
        if window is not None:
            parse_duration(window, SLO_WINDOW)
        start = _since(since)
        if local and endpoint_url is None:
            endpoint_url, lab_region = local_endpoint()
            region = region or lab_region
        if endpoint_url is not None and region is None:
            region = "us-east-1"
        client = cloudwatch_client(region=region, profile=profile, endpoint_url=endpoint_url)
        source = CloudWatchSource(client, spec.namespace, spec.dimensions, name=endpoint_url or "cloudwatch")
        result = build_report(spec, source, now=datetime.now(UTC), window=window, since=start)
        if html_file is not None:
            try:
                html_file.write_text(render_html(result))
            except OSError as err:
                raise LabError("html_write_failed", f"Cannot write {html_file}: {err}") from None
        if as_json:
            print_json(result.as_dict())
        else:
            render_text(result, console)


@app.command()
def explain(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """What each number of `slo report` means and how the alarm thresholds follow from the objectives."""
    with reporting(as_json=as_json):
        from labctl.slo.explain import explain as explain_data
        from labctl.slo.explain import explain_lines
        from labctl.slo.spec import load_spec

        spec = load_spec()
        if as_json:
            print_json(explain_data(spec))
        else:
            for line in explain_lines(spec):
                console.print(line, markup=False, highlight=False)
