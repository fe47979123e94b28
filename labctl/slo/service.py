"""`labctl slo report` and `labctl slo explain`: resolve the metric source, compute, return typed results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.output import JsonDoc, LabError
from labctl.slo.report import Report
from labctl.slo.spec import SloSpec, load_spec


@dataclass(frozen=True)
class ReportOptions:
    window: str | None = None  # default: contracts/slo.yaml's
    local: bool = False
    since: str | None = None  # ISO 8601; naive times are UTC
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    html_file: Path | None = None


@dataclass(frozen=True)
class Explanation:
    spec: SloSpec

    def to_json(self) -> JsonDoc:
        from labctl.slo.explain import explain as explain_data

        return explain_data(self.spec)


def parse_since(raw: str | None) -> datetime | None:
    """--since as an aware datetime (UTC when it names no zone); invalid_since otherwise."""
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise LabError("invalid_since", f"--since {raw!r} is not ISO 8601", "e.g. 2026-11-25T10:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def report(opts: ReportOptions) -> Report:
    """Per SLO: SLI, budget, burn rates, alerts, from CloudWatch (the local lab's moto with --local)."""
    from labctl.slo.local import local_endpoint
    from labctl.slo.render import render_html
    from labctl.slo.report import build_report
    from labctl.slo.source import CloudWatchSource, cloudwatch_client

    spec = load_spec()
    if opts.window is not None:
        parse_duration(opts.window, SLO_WINDOW)
    start = parse_since(opts.since)
    endpoint_url, region = opts.endpoint_url, opts.region
    if opts.local and endpoint_url is None:
        endpoint_url, lab_region = local_endpoint()
        region = region or lab_region
    if endpoint_url is not None and region is None:
        region = "us-east-1"
    client = cloudwatch_client(region=region, profile=opts.profile, endpoint_url=endpoint_url)
    source = CloudWatchSource(client, spec.namespace, spec.dimensions, name=endpoint_url or "cloudwatch")
    result = build_report(spec, source, now=datetime.now(UTC), window=opts.window, since=start)
    if opts.html_file is not None:
        try:
            opts.html_file.write_text(render_html(result))
        except OSError as err:
            raise LabError("html_write_failed", f"Cannot write {opts.html_file}: {err}") from None
    return result


def explain() -> Explanation:
    """What each number of the report means, from contracts/slo.yaml."""
    return Explanation(load_spec())
