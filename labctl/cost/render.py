"""Rich rendering of estimates: a grouped view that fits one screen, and every line under --details.

The --json shape is EstimateResult.to_json. Both views keep one line per row at 80 columns: labels
are cut with an ellipsis rather than wrapped, and monthly units drop their "(prorated hourly)" tail.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from labctl.cost.estimate import Estimate, side_by_side
from labctl.cost.groups import NOUNS, Group, StackCost, biggest, by_stack, free_share
from labctl.output import console, report_table

SHOWN_PER_STACK = 3  # groups shown under a stack; the rest fold into one "N more" row
PRORATED = " (prorated hourly)"


def usd(value: float) -> str:
    """Dollars with enough digits to show sub-cent items (credits as -$x)."""
    if value < 0:
        return "-" + usd(-value)
    if 0 < value < 0.00005:
        return "<$0.0001"
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _width(cells: list[object], header: str) -> int:
    return max([*(len(h) for h in header.splitlines()), *(Text.from_markup(str(c)).cell_len for c in cells)])


def _ttl(est: Estimate) -> str:
    return f"{est.ttl_hours:g} h"


def fit_first_column(table: Table, width: int) -> Table:
    """Give the first column what the others leave of `width`, cutting its cells rather than wrapping them."""
    others = 0
    for column in table.columns[1:]:
        column.min_width = _width(list(column.cells), str(column.header))
        others += column.min_width + 3  # its padding and the space between columns
    first = table.columns[0]
    first.width = max(12, min(_width(list(first.cells), str(first.header)), width - others))
    return table


def _table(estimates: list[Estimate]) -> Table:
    table = report_table()
    table.add_column("stack / resources", no_wrap=True, overflow="ellipsis")
    if len(estimates) == 1:
        heads = ["per hour", f"for {_ttl(estimates[0])}", "per month"]
    else:
        heads = [f"{e.compute}\n{h}" for e in estimates for h in ("per hour", f"for {_ttl(e)}")]
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    return table


def _row(estimates: list[Estimate], found: list[Group | StackCost | None], single: bool) -> list[str]:
    cells: list[str] = []
    for est, item in zip(estimates, found, strict=True):
        if item is None:
            cells += ["", ""]
            continue
        usage = item.usage
        cells += ["[dim]usage[/]" if usage else usd(item.per_hour_usd), usd(item.usd)]
        if single:
            cells.append("" if usage else usd(item.per_hour_usd * est.hours_per_month))
    return cells


def _label(groups: list[Group | None]) -> str:
    present = [g for g in groups if g is not None]
    labels = {g.label for g in present}
    text = labels.pop() if len(labels) == 1 else " / ".join(g.label for g in present)
    if all(g.usd > 0 and g.free_tier_usd >= g.usd * 0.999 for g in present):
        text += " [green](free)[/]"
    return text


def _weight(items: list[Group | StackCost | None]) -> tuple[float, float]:
    usd_max = max((i.usd for i in items if i is not None), default=0.0)
    hour_max = max((i.per_hour_usd for i in items if i is not None), default=0.0)
    return (-usd_max if usd_max > 0 else 1 - usd_max, -hour_max)


def grouped_table(estimates: list[Estimate], width: int) -> Table:
    """Stack subtotals, then their like resources, most expensive first (one column pair per mode)."""
    single = len(estimates) == 1
    table = _table(estimates)
    # one row per stack role (`<lab>-compute` -> compute), so modes synthesized under other lab names line up
    per_mode = [{s.stack.rsplit("-", 1)[-1]: s for s in by_stack(e)} for e in estimates]
    stacks = sorted({k for m in per_mode for k in m}, key=lambda k: _weight([m.get(k) for m in per_mode]))
    for key in stacks:
        found = [m.get(key) for m in per_mode]
        name = next(s.name for s in found if s is not None)
        groups = [{g.resource: g for g in s.groups} if s else {} for s in found]
        kinds = sorted({r for g in groups for r in g}, key=lambda r: _weight([g.get(r) for g in groups]))
        if len(kinds) == 1:  # one kind of resource: the stack's row names it
            label = _label([g.get(kinds[0]) for g in groups])
            table.add_row(f"[bold]{name}[/]: {label}", *_row(estimates, list(found), single))
            continue
        table.add_row(f"[bold]{name}[/]", *_row(estimates, list(found), single))
        shown, folded = kinds[:SHOWN_PER_STACK], kinds[SHOWN_PER_STACK:]
        if len(folded) == 1:
            shown, folded = kinds, []
        for i, kind in enumerate(shown):
            row = [g.get(kind) for g in groups]
            branch = "└─" if i == len(shown) - 1 and not folded else "├─"
            table.add_row(f" {branch} {_label(row)}", *_row(estimates, list(row), single))
        if folded:
            rest = [_sum([g[k] for k in folded if k in g], key) for g in groups]
            names = ", ".join(g.label for g in (next(x[k] for x in groups if k in x) for k in folded))
            table.add_row(f" └─ {len(folded)} more: {names}", *_row(estimates, list(rest), single))
    return fit_first_column(table, width)


def _sum(groups: list[Group], stack: str) -> Group | None:
    if not groups:
        return None
    return Group(
        stack,
        "(more)",
        sum(g.count for g in groups),
        sum(g.per_hour_usd for g in groups),
        sum(g.usd for g in groups),
        sum(g.free_tier_usd for g in groups),
        all(g.usage for g in groups),
    )


def _biggest(est: Estimate, width: int) -> str:
    """The items that weigh most, as many of the top three as fit on one line."""
    for n in (3, 2, 1):
        text = "  biggest: " + ", ".join(f"{g.label.removeprefix('1 ')} {share:.0%}" for g, share in biggest(est, n))
        if len(text) <= width:
            break
    return text


def summary(est: Estimate, width: int, cheapest: bool = False) -> list[str]:
    """The totals of one mode, the items that dominate, and the free-tier share (three short lines)."""
    mark = " (cheapest)" if cheapest else ""
    return [
        f"[bold]{est.compute}{mark}: {usd(est.per_hour_usd)}/h, {usd(est.total_usd)} for {_ttl(est)}[/], "
        f"[yellow]{usd(est.per_month_usd)}/month if left up[/]",
        _biggest(est, width),
        f"  {est.requests:,} requests: {usd(est.usage_usd)}, of which {usd(est.free_tier_usd)} always free "
        f"({free_share(est):.0%} of the bill)",
    ]


def footer(est: Estimate) -> list[str]:
    """What outlives `labctl down`, where the prices come from, and where the rest is."""
    return [
        f"after `labctl down`: {usd(est.retained_per_month_usd)}/month until `labctl down --purge-assets`",
        f"[dim]list prices of {', '.join(est.prices_as_of)}, not fetched; every line: --details; all: --json[/]",
    ]


def show_grouped(estimates: list[Estimate]) -> None:
    """The default view: one grouped table (modes side by side), each mode's totals, then the footer."""
    first = estimates[0]
    modes = " and ".join(e.compute for e in estimates)
    console.print(f"[bold]{modes} lab in {first.region}[/]: {_ttl(first)}, {first.requests:,} requests")
    console.print(grouped_table(estimates, console.width))
    cheapest = side_by_side(estimates)["cheapest"] if len(estimates) > 1 else ""
    for est in sorted(estimates, key=lambda e: e.total_usd):
        for line in summary(est, console.width, cheapest=est.compute == cheapest):
            console.print(line)
    for line in footer(first):
        console.print(line)


def details_table(est: Estimate, width: int) -> Table:
    """Every line of one mode, stack by stack (resource and logical id cut, never wrapped)."""
    table = report_table(f"{est.compute} lab in {est.region}: {_ttl(est)}, {est.requests:,} requests, every line")
    table.add_column("logical id (resource)", no_wrap=True, overflow="ellipsis")
    table.add_column("unit", no_wrap=True)
    table.add_column("qty", justify="right", no_wrap=True)
    table.add_column("USD", justify="right", no_wrap=True)
    table.add_column("free", no_wrap=True)
    for stack in by_stack(est):
        table.add_row(f"[bold]{stack.name}[/]", "", "", f"[bold]{usd(stack.usd)}[/]", "")
        lines = [ln for ln in est.lines if ln.stack == stack.stack]
        for ln in sorted(lines, key=lambda x: (-x.usd, x.resource, x.logical_id)):
            free = ("credit" if ln.kind == "allowance" else "free") if ln.free_tier else ""
            noun = NOUNS.get(ln.resource, (ln.resource.removeprefix("AWS::"),))[0]
            table.add_row(
                f"  {ln.logical_id} [dim]({noun})[/]",
                ln.unit.removesuffix(PRORATED),
                f"{ln.quantity:,.4f}",
                usd(ln.usd),
                free,
            )
    return fit_first_column(table, width)


def show(est: Estimate) -> None:
    """One mode, every line (--details), then its totals."""
    console.print(details_table(est, console.width))
    console.print("[dim]monthly fees are prorated by the hour: their qty is in months[/]")
    for line in summary(est, console.width):
        console.print(line)
    for line in footer(est):
        console.print(line)


def show_modes(estimates: list[Estimate]) -> None:
    """Both modes side by side, cheapest marked."""
    summary_doc = side_by_side(estimates)
    table = Table(title="compute modes side by side", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("mode", "per hour", "for the TTL", "per month if forgotten"):
        table.add_column(col, justify="left" if col == "mode" else "right", no_wrap=True)
    for est in estimates:
        mark = " (cheapest)" if est.compute == summary_doc["cheapest"] else ""
        table.add_row(est.compute + mark, usd(est.per_hour_usd), usd(est.total_usd), usd(est.per_month_usd))
    console.print(table)
