"""How the local lab looks on screen (one Rich panel) and in --json (one document)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from labctl.durations import format_duration
from labctl.local.health import SNAPSHOT_DEADLINE_S, Health
from labctl.local.state import LabState

LABELS = {
    "frontdoor": "frontdoor (ALB, blue/green)",
    "api": "api (uvicorn + web UI; blue)",
    "api-green": "api-green (the new revision)",
    "api-retiring": "api-retiring (blue, stopping)",
    "dynamodb": "dynamodb (DynamoDB Local)",
    "sqs": "sqs (queue service)",
    "moto": "moto (S3, CloudWatch, Logs)",
    "worker": "worker (SQS -> Lambda handlers)",
    "metrics": "metrics (EMF -> CloudWatch)",
    "seed": "seed (catalog top-up)",
}
ORDER = ("frontdoor", "api", "api-green", "api-retiring", "worker", "dynamodb", "sqs", "moto", "metrics", "seed")


def clock_time(epoch: float) -> str:
    """Local wall-clock time with its zone, e.g. `11:42:07 UTC`."""
    return datetime.fromtimestamp(epoch).astimezone().strftime("%H:%M:%S %Z")


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _ordered(lab: LabState) -> list[str]:
    return sorted(lab.services, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))


def services_payload(lab: LabState, health: dict[str, Health]) -> dict[str, Any]:
    """Per service: pid, port, url, log, restarts, health."""
    out: dict[str, Any] = {}
    for name in _ordered(lab):
        rec = lab.services[name]
        h = health.get(name)
        out[name] = {
            "pid": rec.pid,
            "port": rec.port,
            "url": rec.url,
            "log": rec.log,
            "restarts": rec.restarts,
            "healthy": h.ok if h else None,
            "health": h.detail if h else "unknown",
        }
    if lab.worker != "supervised":
        out["worker"] = {"pid": None, "port": None, "healthy": None, "health": "not available"}
    return out


def payload(lab: LabState, health: dict[str, Health], now: float, **extra: Any) -> dict[str, Any]:
    """The --json document of `up` and `status` (status adds counts and queue depths)."""
    return {
        "running": True,
        "status": lab.status,
        "ui_url": lab.ui_url,
        "docs_url": lab.docs_url,
        "api_url": lab.api_url,
        "healthy": all(h.ok for n, h in health.items() if n != "seed"),
        "startup_seconds": lab.startup_seconds,
        "started_at": iso(lab.started_at),
        "stop_by": iso(lab.stop_by),
        "time_left_seconds": max(0, round(lab.stop_by - now)),
        "ttl_seconds": lab.ttl_seconds,
        "hold_ttl_seconds": lab.hold_ttl_seconds,
        "detached": lab.detached,
        "supervisor_pid": lab.supervisor_pid,
        "region": lab.region,
        "table_name": lab.table_name,
        "catalog": lab.catalog,
        "worker": lab.worker,
        "services": services_payload(lab, health),
        "endpoints": lab.endpoints,
        "queues": lab.queues,
        "log_dir": lab.log_dir,
        "revision": lab.revision,
        "rollout": lab.rollout,
        "frontdoor_admin_url": lab.frontdoor_admin_url,
        "control_url": lab.control_url,
        **extra,
    }


def serving_line(lab: LabState, frontdoor: dict[str, Any] | None) -> str:
    """Which colour takes the traffic (from the front door), the revision, and the rollout under way or last."""
    if frontdoor is None:
        line = f"blue (revision {lab.revision}) [yellow](the front door did not answer)[/]"
    else:
        shares = {c: p for c, p in frontdoor["serving"].items() if p}
        line = ", ".join(f"{c} {p}%" for c, p in shares.items()) or "[red]nothing[/]"
        line += f" (blue is revision {lab.revision})"
    r = lab.rollout
    if r and not r.get("result"):
        line += f"; rollout {r['id']} ({r['strategy']}): {escape(str(r['phase']))}"
    elif r:
        line += f"; last rollout {r['result']} at {clock_time(float(r['ended_at'] or r['started_at']))}"
    return line


def _health_cell(h: Health | None) -> str:
    if h is None:
        return "[dim]unknown[/]"
    if h.ok:
        return f"[green]{escape(h.detail)}[/]"
    return (
        f"[yellow]{escape(h.detail)}[/]" if h.detail.startswith(("slow", "degraded")) else f"[red]{escape(h.detail)}[/]"
    )


def services_table(lab: LabState, health: dict[str, Health]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("service", "port", "pid", "health"):
        table.add_column(col, justify="right" if col in ("port", "pid") else "left")
    for name in _ordered(lab):
        rec = lab.services[name]
        restarts = f" [yellow](restarted {rec.restarts}x)[/]" if rec.restarts else ""
        port = str(rec.port) if rec.port else "-"
        table.add_row(LABELS.get(name, name), port, str(rec.pid), _health_cell(health.get(name)) + restarts)
    if lab.worker != "supervised":
        table.add_row(LABELS["worker"], "-", "-", "[yellow]not available[/]")
    return table


def _catalog_line(lab: LabState) -> str:
    c = lab.catalog
    line = f"{c.get('movies', '?')} movies, {c.get('days', 0)} of {c.get('target_days', '?')} days of shows"
    return line + (" (the rest is loading)" if c.get("status") == "loading" else "")


def lab_panel(lab: LabState, health: dict[str, Health], now: float, *, foreground: bool) -> Panel:
    """The panel `up` prints once the lab is healthy."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("UI", f"[link={lab.ui_url}]{lab.ui_url}[/]")
    head.add_row("API docs", f"[link={lab.docs_url}]{lab.docs_url}[/]")
    head.add_row("Catalog", _catalog_line(lab))
    head.add_row("Serving", f"blue (revision {lab.revision}) through the front door on :{lab.port}")
    head.add_row("Holds last", f"{lab.hold_ttl_seconds} s")
    head.add_row("Stops by", f"{clock_time(lab.stop_by)} (in {format_duration(lab.stop_by - now)}, --ttl)")
    how = "Ctrl-C stops everything" if foreground else "labctl status --local | labctl down --local"
    head.add_row("Logs", lab.log_dir)
    title = f"labctl local lab: ready in {lab.startup_seconds} s"
    return Panel(Group(head, services_table(lab, health)), title=title, subtitle=how, border_style="green")


def status_panel(
    lab: LabState,
    health: dict[str, Health],
    counts: dict[str, dict[str, int]] | None,
    depths: dict[str, dict[str, int]],
    now: float,
    late: tuple[str, ...] = (),
    frontdoor: dict[str, Any] | None = None,
    deadline_s: float = SNAPSHOT_DEADLINE_S,
) -> Panel:
    """The panel of `status`: services, which colour serves, counts, queues and time left."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("UI", lab.ui_url)
    head.add_row("Serving", serving_line(lab, frontdoor))
    head.add_row("Time left", f"{format_duration(lab.stop_by - now)} (stops by {clock_time(lab.stop_by)})")
    if counts is None and "counts" in late:
        head.add_row("Table", f"[yellow]slow: no counts within {deadline_s:.1f} s[/]")
    elif counts is None:
        head.add_row("Table", "[red]DynamoDB Local does not answer[/]")
    else:
        s, h, b = counts["seats"], counts["holds"], counts["bookings"]
        head.add_row("Seats", f"{s['available']} available, {s['held']} held, {s['booked']} booked")
        active = h.get("active", 0)
        head.add_row("Holds", f"{h['total']} ({active} active)")
        head.add_row("Bookings", str(b["total"]))
    if "depths" in late:
        head.add_row("Queues", f"[yellow]slow: no depths within {deadline_s:.1f} s[/]")
    elif depths:
        head.add_row("Queues", ", ".join(f"{k} {v['waiting']}+{v['in_flight']}" for k, v in depths.items()))
    elif lab.queues:
        head.add_row("Queues", "[yellow]no depths: the queue service did not answer[/]")
    word, color = verdict(health)
    return Panel(
        Group(head, services_table(lab, health)),
        title=f"labctl local lab: [{color}]{word}[/]",
        subtitle="queues: waiting+in flight",
        border_style=color,
    )


def verdict(health: dict[str, Health]) -> tuple[str, str]:
    """healthy (all ok), degraded (only slow or degraded services), or unhealthy (one is down); with a color."""
    sick = [h.detail for n, h in health.items() if n != "seed" and not h.ok]
    if not sick:
        return "healthy", "green"
    if all(d.startswith(("slow", "degraded")) for d in sick):
        return "degraded", "yellow"
    return "unhealthy", "red"
