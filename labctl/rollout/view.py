"""How a rollout looks while it runs (a Rich panel refreshed a few times a second) and once it is over."""

from __future__ import annotations

import time
from typing import Any

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from labctl.output import console
from labctl.rollout.load import COLOURS, Tally
from labctl.rollout.result import RolloutResult

BAR = 30
EVENTS_SHOWN = 6
_STYLE = {"blue": "blue", "green": "green"}


def _bar(percent: int, colour: str) -> str:
    filled = round(BAR * percent / 100)
    return f"[{_STYLE[colour]}]{'█' * filled}[/][dim]{'·' * (BAR - filled)}[/] {percent:>3}%"


def _ms(value: object) -> str:
    return f"{value:.0f} ms" if isinstance(value, int | float) else "-"


def panel(status: dict[str, Any] | None, tally: Tally, rps: int, started: float) -> Panel:
    """The live view: phase, traffic split, what the customers see per colour, green's bake, last events."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    phase = escape(str(status["phase"])) if status else "asking the lab to start the rollout"
    head.add_row("Phase", f"{phase}  [dim]({time.monotonic() - started:.0f} s)[/]")
    weights = status["weights"] if status else {"blue": 100, "green": 0}
    for colour in COLOURS:
        head.add_row(f"Traffic {colour}", _bar(int(weights.get(colour, 0)), colour))
    load = f"{tally.sent} sent at {rps}/s, {tally.in_flight} in flight, "
    head.add_row("Customers", load + (f"[red]{tally.failed} failed[/]" if tally.failed else "0 failed"))
    seen = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("colour", "answered", "failed", "p50", "p95"):
        seen.add_column(col, justify="left" if col == "colour" else "right")
    from labctl.local.frontdoor.metrics import percentile

    for colour in (*COLOURS, "none"):
        lat = tally.latencies.get(colour, [])
        if colour == "none" and not tally.failed_by["none"]:
            continue
        failed = tally.failed_by[colour]
        seen.add_row(
            colour,
            str(tally.served_by[colour]),
            f"[red]{failed}[/]" if failed else "0",
            _ms(percentile(lat, 0.5)),
            _ms(percentile(lat, 0.95)),
        )
    parts: list[Any] = [head, seen]
    if status:
        b = status["bake"]
        parts.append(
            f"[bold]Bake[/] (green's target group): {b['green_5xx']} 5xx of {b['green_requests']}, "
            f"p95 {_ms(b['green_p95_ms'])} (limit {_ms(b['max_p95_ms'])})"
        )
        for event in status["events"][-EVENTS_SHOWN:]:
            parts.append(f"[dim]{time.strftime('%H:%M:%S', time.localtime(event['at']))}[/] {escape(event['message'])}")
    title = f"labctl rollout --local: {status['strategy'] if status else ''}"
    if status and status.get("break_mode"):
        title += f" [red](green broken: {status['break_mode']})[/]"
    return Panel(Group(*parts), title=title, border_style=_border(status))


def _border(status: dict[str, Any] | None) -> str:
    result = status.get("result") if status else None
    return {"promoted": "green", "rolled_back": "yellow", "failed": "red"}.get(result or "", "blue")


def render(result: RolloutResult) -> None:
    """The summary after the live view: the verdict, the reason and the numbers the JSON carries."""
    doc = result.to_json()
    word = {"promoted": "[green]promoted[/]", "rolled_back": "[yellow]rolled back[/]"}.get(doc["result"], doc["result"])
    console.print(f"Rollout {doc['rollout_id']} {word}: {escape(doc['reason'])}")
    served = ", ".join(f"{c} {n}" for c, n in doc["served_by"].items())
    console.print(
        f"Customers: {doc['requests']} requests, {doc['failed']} failed; served by {served}; "
        f"last switch {_ms(doc['switch_ms'])}. Blue is revision "
        f"{doc['revision'] if doc['result'] == 'promoted' else doc['revision'] - 1}."
    )
