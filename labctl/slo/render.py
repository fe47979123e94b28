"""Render an SLO report: Rich text for the terminal (with a budget-remaining chart) and a static HTML page."""

from __future__ import annotations

import html
import math
from datetime import datetime

from rich.console import Console
from rich.table import Table

from labctl.durations import format_duration
from labctl.slo.report import Report, SloResult
from labctl.slo.spec import BURN_WINDOWS

_BLOCKS = " ▁▂▃▄▅▆▇█"
STATUS_NOTE = {
    "no_data": "no traffic in this window: nothing to measure (not 100%)",
    "thin_data": "too few events: one bad event already exceeds the budget; read the numbers with care",
    "exhausted": "error budget exhausted: freeze risky changes, spend effort on reliability",
    "ok": "within budget",
}


def pct(value: float | None, digits: int = 3) -> str:
    """0.99912 -> '99.912%'; None -> 'n/a'."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def burn(value: float | None) -> str:
    """A burn rate as '3.20x' (or 'no data')."""
    return "no data" if value is None else f"{value:.2f}x"


def _columns(points: list[tuple[datetime, float]], start: datetime, end: datetime, n: int) -> tuple[list[float], float]:
    """The lowest budget in each of n equal slices of start..end; a slice with no data keeps the level before it."""
    span = max((end - start).total_seconds(), 1.0)
    slice_s = span / n
    lows: list[float | None] = [None] * n
    for ts, value in points:
        i = min(n - 1, max(0, int((ts - start).total_seconds() // slice_s)))
        current = lows[i]
        lows[i] = value if current is None else min(current, value)
    cols, level = [], 1.0  # before the first bad event the budget is untouched
    for low in lows:
        level = level if low is None else low
        cols.append(level)
    return cols, slice_s


def _axis(start: datetime, end: datetime, n: int) -> str:
    """The window's real start under the first column and its end under the last."""
    left, right = f"{start:%m-%d %H:%M}", f"{end:%m-%d %H:%M} UTC"
    if len(left) + len(right) + 2 <= n + 4:
        return left + " " * max(2, n + 4 - len(left) - len(right)) + right
    return f"{left} -> {right}"


def chart(
    points: list[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    bucket_s: int,
    width: int = 48,
    height: int = 6,
) -> list[str]:
    """Budget remaining (1.0 = untouched, clipped to 0..1) from the window's start (left) to its end (right)."""
    if not points:
        return ["(no data points)"]
    span = max((end - start).total_seconds(), 1.0)
    n = max(1, min(width, math.ceil(span / bucket_s)))
    cols, slice_s = _columns(points, start, end, n)
    levels = [max(0.0, min(1.0, v)) * height * 8 for v in cols]
    rows = []
    for row in range(height, 0, -1):
        floor = (row - 1) * 8
        line = "".join(_BLOCKS[int(min(8, max(0, lvl - floor)))] for lvl in levels)
        label = {height: " 100% |", 1: "   0% |"}.get(row, "      |")
        rows.append(label + line)
    rows.append("      +" + "-" * n)
    rows.append("       " + _axis(start, end, n))
    rows.append(f"       one column = {format_duration(slice_s)} (metrics summed per {format_duration(bucket_s)})")
    lowest = min(v for _, v in points)
    if lowest < 0:
        rows.append(f"       (overspent: the budget reached {lowest * 100:.1f}%; below 0% is drawn as empty)")
    return rows


def _slo_table(r: SloResult, window: str) -> Table:
    b = r.budget
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="dim", width=16)
    t.add_column()
    t.add_row("SLI", f"{pct(r.sli)}  ({round(r.good)} good / {round(r.total)} events)")
    t.add_row("objective", f"{pct(r.slo.objective)}  (budget {pct(r.slo.budget)} of events)")
    t.add_row(
        "error budget",
        f"{b.allowed_bad:.2f} bad events, or {b.budget_minutes:.1f} min of full outage per {window}",
    )
    if b.consumed_ratio is not None:
        t.add_row("consumed", f"{b.bad_events} bad events = {pct(b.consumed_ratio, 1)} ({b.consumed_minutes:.1f} min)")
        t.add_row("remaining", f"{pct(b.remaining_ratio, 1)} ({b.remaining_events:.2f} events)")
    t.add_row("burn rate", "  ".join(f"{w} {burn(r.burn_rates[w])}" for w in BURN_WINDOWS))
    t.add_row("alerts", ", ".join(r.alerts) if r.alerts else "none would fire")
    return t


def render_text(report: Report, console: Console) -> None:
    """Print the report for a terminal."""
    console.print(
        f"[bold]SLO report[/] window {report.window} ({report.start:%Y-%m-%d %H:%M} -> "
        f"{report.end:%Y-%m-%d %H:%M} UTC), source {report.source}"
    )
    p95 = "n/a (this source has no percentiles)" if report.latency_p95_ms is None else f"{report.latency_p95_ms:.1f} ms"
    console.print(f"latency p95: {p95} (threshold {report.latency_threshold_ms} ms)")
    for r in report.slos:
        colour = {"ok": "green", "exhausted": "red"}.get(r.status, "yellow")
        console.print(f"\n[bold]{r.slo.name}[/] - {r.slo.description}")
        console.print(f"  [{colour}]{r.status}[/]: {STATUS_NOTE[r.status]}")
        console.print(_slo_table(r, report.window))
        if r.timeline:
            console.print("  budget remaining over time:")
            for line in chart(r.timeline, report.start, report.end, report.bucket_seconds):
                console.print("  " + line, markup=False, highlight=False)


def _svg(points: list[tuple[datetime, float]], start: datetime, end: datetime, w: int = 360, h: int = 80) -> str:
    """The budget line over the whole window (x from its start to its end), not just the buckets with data."""
    if not points:
        return "<em>no data points</em>"
    points = [(start, 1.0), *points, (end, points[-1][1])]
    t0, t1 = start.timestamp(), end.timestamp()
    span = (t1 - t0) or 1.0
    xy = " ".join(f"{(ts.timestamp() - t0) / span * w:.1f},{(1 - max(0.0, min(1.0, v))) * h:.1f}" for ts, v in points)
    return f'<svg width="{w}" height="{h}" role="img"><polyline fill="none" stroke="#c0392b" points="{xy}"/></svg>'


def render_html(report: Report) -> str:
    """A self-contained HTML page of the report (no scripts, no external assets)."""
    rows = []
    for r in report.slos:
        b = r.budget
        rates = "".join(f"<td>{burn(r.burn_rates[w])}</td>" for w in BURN_WINDOWS)
        rows.append(
            f"<tr><th>{html.escape(r.slo.name)}</th><td>{pct(r.slo.objective)}</td><td>{pct(r.sli)}</td>"
            f"<td>{round(r.good)}/{round(r.total)}</td><td>{b.allowed_bad:.2f}</td><td>{b.bad_events}</td>"
            f"<td>{pct(b.remaining_ratio, 1)}</td>{rates}<td>{html.escape(', '.join(r.alerts) or 'none')}</td>"
            f"<td>{html.escape(r.status)}</td><td>{_svg(r.timeline, report.start, report.end)}</td></tr>"
        )
    head = "".join(f"<th>burn {w}</th>" for w in BURN_WINDOWS)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>SLO report</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>SLO report</h1><p>window {html.escape(report.window)}: {report.start:%Y-%m-%d %H:%M} to "
        f"{report.end:%Y-%m-%d %H:%M} UTC, source {html.escape(report.source)}</p>"
        "<table><tr><th>SLO</th><th>objective</th><th>SLI</th><th>good/total</th><th>budget (events)</th>"
        f"<th>consumed</th><th>remaining</th>{head}<th>alerts</th><th>status</th><th>budget over time</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
