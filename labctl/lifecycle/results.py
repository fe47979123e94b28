"""What `labctl up/status/extend/down` on AWS return (one --json document each) and how they print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from labctl.lifecycle import status as cloud_status
from labctl.lifecycle.assets import Left
from labctl.lifecycle.teardown import DownResult
from labctl.output import EXIT_FAILURE, EXIT_OK, JsonDoc, LabError, console, err_console


@dataclass
class UpResult:
    """The plan (what would be deployed, priced), and after a deploy its outputs and URLs."""

    plan: dict[str, Any]
    dry_run: bool
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    shown: bool = False  # the plan was printed already, before asking

    def to_json(self) -> JsonDoc:
        if self.dry_run:
            return {"dry_run": True, **self.plan}
        return {**self.plan, "outputs": self.outputs, **self.urls}


def show_plan(plan: dict[str, Any]) -> None:
    """Lab, account, expiry, the estimate and where alerts go."""
    where = f"account {plan['account']}" if plan["account"] else "no credentials: account and bootstrap not checked"
    console.print(
        f"lab [bold]{plan['lab']}[/] ({plan['compute']}) in {plan['region']}, {where}, expires {plan['expires_at']}"
    )
    est = plan["estimate"]
    console.print(
        f"estimate: ${est['per_hour_usd']:.4f}/h, ${est['total_usd']:.4f} for {est['ttl_hours']:g} h "
        f"({est['requests']} requests), ${est['per_month_usd']:.2f}/month if it were never deleted"
    )
    console.print(f"alerts: {plan['alerts']}" if plan["alerts"] else "[yellow]alerts: none (--no-alerts)[/]")


def render_up(result: UpResult) -> None:
    if not result.shown:
        show_plan(result.plan)
    if result.dry_run:
        console.print("[yellow]dry run[/]: nothing deployed. Would run:")
        for command in result.plan["commands"]:
            console.print(f"  {command}", markup=False, soft_wrap=True)
        return
    console.print(f"[green]deployed[/] demo: {result.urls['demo_url']}  api: {result.urls['api_url']}")
    console.print(f"self-destructs at {result.plan['expires_at']} (labctl extend 1h / labctl down)")


@dataclass(frozen=True)
class StatusResult:
    """The lab as AWS sees it and the reaper's last outcome; exit 1 when the reaper failed."""

    doc: dict[str, Any]

    def to_json(self) -> JsonDoc:
        return self.doc

    @property
    def exit_code(self) -> int:
        return EXIT_FAILURE if cloud_status.failed(self.doc) else EXIT_OK


def render_status(result: StatusResult) -> None:
    doc = result.doc
    for info in doc["stacks"]:
        console.print(f"{info['name']:<24} {info['region']:<10} {info['status']}")
    if not doc["deployed"]:
        console.print(f"lab {doc['lab']} is not deployed in {doc['region']}")
    else:
        expires = doc["expires_at"]
        left = f"{doc['seconds_left'] // 60} min left (expires {expires})" if expires else "no timer"
        console.print(left)
        console.print(
            f"${doc['per_hour_usd']:.4f}/h, about ${doc['accrued_usd']:.4f} so far (fixed costs, list prices)"
        )
    style = "red" if result.exit_code else None
    for line in cloud_status.reaper_lines(doc["reaper"]) if doc["reaper"] else []:
        console.print(line, style=style, markup=False, soft_wrap=True)


@dataclass(frozen=True)
class ExtendResult:
    lab: str
    expires_at: str
    capped: bool

    def to_json(self) -> JsonDoc:
        return {"lab": self.lab, "expires_at": self.expires_at, "capped": self.capped}


def render_extend(result: ExtendResult) -> None:
    capped = " (capped at 12 h from now)" if result.capped else ""
    console.print(f"lab {result.lab} now expires at {result.expires_at}{capped}")


@dataclass
class DownReport:
    """What `down` deleted or could not, what it found still tagged, what stays on purpose, what it purged."""

    result: DownResult
    left: list[Left]
    purged: list[str]
    error: LabError | None = None

    def to_json(self) -> JsonDoc:
        report = {**self.result.as_dict(), "left_on_purpose": [i.as_dict() for i in self.left], "purged": self.purged}
        return {**report, **(self.error.as_dict() if self.error else {})}

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error else EXIT_OK


def render_down(report: DownReport) -> None:
    result = report.result
    for f in result.failures:
        stuck = escape(f"{f['stack']} {f['logical_id']}: {f['reason']} {f['blocker']}")
        console.print(f"[red]stuck[/] {stuck}", soft_wrap=True)
    for arn in result.leftovers:
        console.print(f"[red]still exists[/] {escape(arn)}", soft_wrap=True)
    for line in report.purged:
        console.print(line, markup=False, soft_wrap=True)
    if result.status == "deleted":
        console.print(f"[green]lab {result.lab} deleted[/]; nothing tagged lab:name={result.lab} remains")
    monthly = sum(item.usd_month for item in report.left)
    note = f"left on purpose (${monthly:.4f}/month; `labctl down --purge-assets` removes the assets):"
    console.print(note, markup=False, soft_wrap=True)
    for item in report.left:
        size = f", {item.size_bytes / 1e6:.1f} MB" if item.size_bytes else ""
        line = f"  {item.kind}: {item.where}{size}, ${item.usd_month:.4f}/month - {item.why}"
        console.print(line, markup=False, soft_wrap=True)
    if report.error:
        err_console.print(f"[bold red]error[/] [red]{report.error.code}[/]: {escape(report.error.message)}")
        err_console.print(f"  [dim]hint:[/] {report.error.hint}")
