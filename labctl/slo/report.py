"""Build the SLO report: per SLO the SLI, budget, burn rates, firing alerts and a budget timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.slo import maths
from labctl.slo.source import MetricSource, Point, align
from labctl.slo.spec import BURN_WINDOWS, Slo, SloSpec

TIMELINE_BUCKETS = 48


@dataclass
class SloResult:
    slo: Slo
    good: float
    total: float
    budget: maths.Budget
    burn_rates: dict[str, float | None]
    alerts: list[str]
    timeline: list[tuple[datetime, float]] = field(default_factory=list)  # budget remaining ratio over time

    @property
    def sli(self) -> float | None:
        return maths.sli(self.good, self.total)

    @property
    def status(self) -> str:
        """no_data (no traffic), thin_data (one bad event would exceed the budget), or ok/exhausted."""
        if self.total <= 0:
            return "no_data"
        if self.total < maths.min_events_for_one_bad(self.slo.budget):
            return "thin_data"
        remaining = self.budget.remaining_ratio
        return "exhausted" if remaining is not None and remaining <= 0 else "ok"

    def as_dict(self) -> dict[str, Any]:
        b = self.budget
        return {
            "name": self.slo.name,
            "description": self.slo.description,
            "objective": self.slo.objective,
            "status": self.status,
            "sli": self.sli,
            "good": round(self.good),
            "total": round(self.total),
            "bad": b.bad_events,
            "budget_total": round(b.allowed_bad, 6),
            "budget_consumed": b.bad_events,
            "budget_remaining": None if b.remaining_events is None else round(b.remaining_events, 6),
            "budget_consumed_ratio": b.consumed_ratio,
            "budget_remaining_ratio": b.remaining_ratio,
            "budget_minutes": round(b.budget_minutes, 6),
            "budget_consumed_minutes": None if b.consumed_minutes is None else round(b.consumed_minutes, 6),
            "burn_rates": self.burn_rates,
            "alerts": self.alerts,
            "timeline": [[ts.isoformat(), round(v, 6)] for ts, v in self.timeline],
        }


@dataclass
class Report:
    window: str
    start: datetime
    end: datetime
    source: str
    slos: list[SloResult]
    latency_p95_ms: float | None
    latency_threshold_ms: int
    bucket_seconds: int = 60  # the width of one timeline bucket (the metric query's period)

    def as_dict(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source": self.source,
            "latency_p95_ms": self.latency_p95_ms,
            "latency_threshold_ms": self.latency_threshold_ms,
            "bucket_seconds": self.bucket_seconds,
            "slos": [r.as_dict() for r in self.slos],
        }

    def to_json(self) -> dict[str, Any]:
        return self.as_dict()


def _good_bad(slo: Slo, sums: dict[str, float]) -> tuple[float, float]:
    total = sums.get(slo.total, 0.0)
    good = sums.get(slo.good, 0.0) if slo.good else total - sums.get(slo.bad or "", 0.0)
    return good, total


def counters(spec: SloSpec) -> list[str]:
    """Every metric name the SLIs need, without duplicates, in file order."""
    names: list[str] = []
    for slo in spec.slos:
        for name in (slo.total, slo.good, slo.bad):
            if name and name not in names:
                names.append(name)
    return names


def _timeline(slo: Slo, series: dict[str, list[Point]], allowed_bad: float) -> list[tuple[datetime, float]]:
    """Budget remaining after each bucket, against the whole window's budget (monotonic, ends at the report's)."""
    if allowed_bad <= 0:
        return []
    totals = dict(series.get(slo.total, []))
    goods = dict(series.get(slo.good, [])) if slo.good else None
    bads = dict(series.get(slo.bad, [])) if slo.bad else None
    spent, points = 0.0, []
    for ts in sorted(totals):
        bad = bads.get(ts, 0.0) if bads is not None else totals[ts] - (goods or {}).get(ts, 0.0)
        spent += max(bad, 0.0)
        points.append((ts, 1.0 - spent / allowed_bad))
    return points


def build_report(
    spec: SloSpec, source: MetricSource, *, now: datetime, window: str | None = None, since: datetime | None = None
) -> Report:
    """Query the source and compute every SLO's numbers at `now` (window defaults to the spec's)."""
    window = window or spec.window
    span = parse_duration(window, SLO_WINDOW)
    start = now - span
    if since is not None and since > start:
        start = since
    # Whole minutes, end rounded up: every datapoint up to `now` is in range (CloudWatch keeps minutes,
    # moto drops sub-seconds of EndTime), and the report states the range it really queried.
    start, end = align(start, now)
    names = counters(spec)
    totals = source.sums(names, start, end)
    burns: dict[str, dict[str, float]] = {}
    for w in BURN_WINDOWS:
        burns[w] = source.sums(names, max(end - parse_duration(w, SLO_WINDOW), start), end)
    period = max(60, int((end - start).total_seconds() / TIMELINE_BUCKETS) // 60 * 60)
    series = source.series(names, start, end, period)
    results = []
    for slo in spec.slos:
        good, total = _good_bad(slo, totals)
        b = maths.budget(good, total, slo.budget, span)
        rates: dict[str, float | None] = {}
        for w in BURN_WINDOWS:
            g, t = _good_bad(slo, burns[w])
            rates[w] = maths.burn_rate(t - g, t, slo.budget)
        fired = maths.firing(spec.alerting, rates)
        alerts = [f"{r.severity}: {r.burn_rate:g}x over {r.long} and {r.short}" for r in fired]
        results.append(SloResult(slo, good, total, b, rates, alerts, _timeline(slo, series, b.allowed_bad)))
    p95 = source.percentile("Latency", "p95", start, end)
    return Report(window, start, end, source.name, results, p95, spec.latency_threshold_ms, period)
