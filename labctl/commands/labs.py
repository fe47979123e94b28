"""labctl labs: list the guided exercises and run their checks (labs/NN-topic/check.py, see labs/README.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from labctl.commands.options import JsonOpt
from labctl.labs.catalog import Catalog
from labctl.labs.runner import CheckReport
from labctl.output import console, emit, reporting

app = typer.Typer(no_args_is_help=True)
NumberArg = Annotated[str | None, typer.Argument(help="Lab number, e.g. 00 (default: every lab).")]


@app.callback()
def _group() -> None:
    """The guided exercises and their checks."""


@app.command("list")
def list_labs(as_json: JsonOpt = False) -> None:
    """Every lab: number, title, whether it has a check."""
    from labctl.labs.catalog import discover

    with reporting(as_json=as_json):
        emit(Catalog(discover()), as_json, _render_catalog)


@app.command("check")
def check_labs(number: NumberArg = None, as_json: JsonOpt = False) -> None:
    """Run the lab's check.py (or all of them); exit 0 only when every item passed."""
    from labctl.labs.catalog import discover, select
    from labctl.labs.runner import check_all

    with reporting(as_json=as_json):
        emit(check_all(select(number, discover())), as_json, _render_report)


def _render_catalog(catalog: Catalog) -> None:
    for lab in catalog.labs:
        check = "" if lab.check_file.is_file() else " [dim](no check yet)[/]"
        console.print(f"[bold]{lab.number}[/]  {lab.title}{check}")


def _render_report(report: CheckReport) -> None:
    from labctl.labs.checklist import print_items

    for run in report.runs:
        console.print(f"[bold]{run.lab.title}[/]")
        print_items(run.items, indent="  ")
