"""Rich rendering of estimates (the --json shape is Estimate.as_dict)."""

from __future__ import annotations

from rich.table import Table

from labctl.cost.estimate import Estimate, side_by_side
from labctl.output import console


def usd(value: float) -> str:
    """Dollars with enough digits to show sub-cent items (credits as -$x)."""
    if value < 0:
        return "-" + usd(-value)
    return f"${value:,.4f}" if value < 10 else f"${value:,.2f}"


def show(est: Estimate) -> None:
    """One mode: every line, then the totals."""
    table = Table(
        title=f"{est.compute} lab in {est.region}: {est.ttl_hours:g} h, {est.requests} requests", title_justify="left"
    )
    for col in ("stack", "resource", "logical id", "unit", "qty", "USD", "free tier"):
        table.add_column(col, justify="right" if col in ("qty", "USD") else "left")
    for ln in sorted(est.lines, key=lambda x: (x.kind, -x.usd)):
        table.add_row(
            ln.stack,
            ln.resource.removeprefix("AWS::"),
            ln.logical_id[:32],
            ln.unit,
            f"{ln.quantity:,.4f}",
            usd(ln.usd),
            ("deducted" if ln.kind == "allowance" else "always free") if ln.free_tier else "",
        )
    console.print(table)
    console.print(f"fixed cost per hour     {usd(est.per_hour_usd)}")
    console.print(f"fixed cost for {est.ttl_hours:g} h     {usd(est.fixed_usd)}")
    console.print(f"usage ({est.requests} requests) {usd(est.usage_usd)}")
    console.print(
        f"[bold]total for the TTL       {usd(est.total_usd)}[/]"
        f"  (of which {usd(est.free_tier_usd)} falls in the always-free tier)"
    )
    console.print(f"[yellow]per month if forgotten  {usd(est.per_month_usd)}[/]")
    console.print(
        f"after `labctl down`     {usd(est.retained_per_month_usd)}/month for the CDK bootstrap's copy of the image "
        "and assets, until `labctl down --purge-assets`"
    )
    console.print(
        f"[dim]CloudWatch always-free allowances deducted: {usd(est.allowance_per_hour_usd)}/h "
        "(add it back if other alarms, dashboards or metrics in the account use them)[/]"
    )
    console.print(f"[dim]prices as of {', '.join(est.prices_as_of)} (contracts/prices.json; not fetched)[/]")


def show_modes(estimates: list[Estimate]) -> None:
    """Both modes side by side, cheapest marked."""
    summary = side_by_side(estimates)
    table = Table(title="compute modes side by side", title_justify="left")
    for col in ("mode", "per hour", "for the TTL", "per month if forgotten"):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for est in estimates:
        mark = " (cheapest)" if est.compute == summary["cheapest"] else ""
        table.add_row(est.compute + mark, usd(est.per_hour_usd), usd(est.total_usd), usd(est.per_month_usd))
    console.print(table)
