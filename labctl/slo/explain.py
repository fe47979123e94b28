"""`labctl slo explain`: what each number of the report means and where every alarm threshold comes from."""

from __future__ import annotations

from typing import Any

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.slo import maths
from labctl.slo.spec import SloSpec

GLOSSARY: list[tuple[str, str]] = [
    ("SLI", "good events / all events in the window, e.g. non-5xx requests / requests."),
    ("objective", "the SLI the service promises over the window (the SLO), e.g. 99.9% over 30 days."),
    (
        "error budget",
        "1 - objective: the share of events allowed to be bad. As events: budget x traffic. "
        "As time: the minutes of full outage the window can absorb (window x budget).",
    ),
    ("consumed / remaining", "bad events so far / the budget in events. Above 100% consumed the SLO is missed."),
    (
        "burn rate",
        "error ratio over a window / budget. 1x spends exactly the budget by the window's end; "
        "14.4x spends a 30-day budget in 50 hours.",
    ),
    (
        "alert",
        "multi-window multi-burn-rate: fires when BOTH the long and the short window burn at >= the rate; "
        "the long window proves it matters, the short one that it is still going on.",
    ),
    (
        "no_data / thin_data",
        "no traffic means nothing was measured (the report never shows 100%); with fewer "
        "events than 1/budget, a single bad event already exceeds the budget.",
    ),
]


def explain(spec: SloSpec) -> dict[str, Any]:
    """The derivation of every threshold, as data (the command renders it, or prints it as JSON)."""
    window = parse_duration(spec.window, SLO_WINDOW)
    rules = []
    for r in spec.alerting:
        long_w = parse_duration(r.long, SLO_WINDOW)
        spend = maths.budget_spent_by(r.burn_rate, long_w, window)
        exhaust = maths.exhaustion(r.burn_rate, window)
        rules.append(
            {
                "severity": r.severity,
                "long": r.long,
                "short": r.short,
                "burn_rate": r.burn_rate,
                "budget_spent_in_long_window": round(spend, 6),
                "budget_exhausted_after_hours": None if exhaust is None else round(exhaust.total_seconds() / 3600, 2),
                "error_ratio_threshold": {s.name: round(r.burn_rate * s.budget, 9) for s in spec.slos},
            }
        )
    slos = [
        {
            "name": s.name,
            "objective": s.objective,
            "budget_ratio": s.budget,
            "budget_minutes": round(window.total_seconds() / 60 * s.budget, 3),
            "bad_events_allowed_per_million": round(1_000_000 * s.budget, 3),
            "min_events_for_one_bad": maths.min_events_for_one_bad(s.budget),
        }
        for s in spec.slos
    ]
    return {"window": spec.window, "glossary": dict(GLOSSARY), "slos": slos, "alerting": rules}


def explain_lines(spec: SloSpec) -> list[str]:
    """The explanation as plain lines for the terminal."""
    data = explain(spec)
    out = [f"SLO window: {spec.window}. Every SLI is a ratio of counters from contracts/slo.yaml.", ""]
    out += [f"{term}: {text}" for term, text in GLOSSARY]
    out.append("")
    for s in data["slos"]:
        out.append(
            f"{s['name']}: objective {s['objective'] * 100:g}% -> budget {s['budget_ratio'] * 100:g}% of events = "
            f"{s['bad_events_allowed_per_million']:g} bad per million, or {s['budget_minutes']:g} min of full outage "
            f"per {spec.window}; below {s['min_events_for_one_bad']} events the data is thin."
        )
    out.append("")
    for r in data["alerting"]:
        spent = r["budget_spent_in_long_window"] * 100
        per_slo = ", ".join(f"{name} {v * 100:.4g}% bad" for name, v in r["error_ratio_threshold"].items())
        rate, lw, w = r["burn_rate"], r["long"], spec.window
        out.append(
            f"{r['severity']}: {rate:g}x over {lw} (confirmed over {r['short']}) spends {spent:.3g}% of the {w} "
            f"budget in {lw} (= {rate:g} x {lw} / {w}); at that rate the whole budget lasts "
            f"{r['budget_exhausted_after_hours']:g} h. Error-ratio threshold: {per_slo}."
        )
    out.append("")
    out.append(
        "CloudWatch: each window is one metric-math alarm ((bad/total)/budget >= rate, period = the window); each "
        "long/short pair is a composite alarm (AND); page/ticket composites notify the SNS topic."
    )
    return out
