"""labctl labs: list the guided exercises, show one, run their checks (labs/NN-topic/check.py, see labs/README.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from labctl.commands.options import JsonOpt
from labctl.labs.catalog import Catalog, LabPage
from labctl.labs.runner import CheckReport
from labctl.output import console, emit, reporting

app = typer.Typer(no_args_is_help=True)
NumberArg = Annotated[str | None, typer.Argument(help="Lab number, e.g. 00 (default: every lab).")]
OneLabArg = Annotated[str, typer.Argument(help="Lab number, e.g. 07.")]


@app.callback()
def _group() -> None:
    """The guided exercises and their checks."""


@app.command("list")
def list_labs(as_json: JsonOpt = False) -> None:
    """Every lab: number, title, and done / not yet (the verdict of its last `labctl labs check`)."""
    from labctl.labs import progress
    from labctl.labs.catalog import discover

    with reporting(as_json=as_json):
        emit(Catalog(discover(), progress.load()), as_json, _render_catalog)


@app.command("show")
def show_lab(number: OneLabArg, as_json: JsonOpt = False) -> None:
    """Render one lab's README in the terminal (--json: its Markdown as one JSON document)."""
    from labctl.labs.catalog import discover, page, select

    with reporting(as_json=as_json):
        [lab] = select(number, discover())
        emit(page(lab), as_json, _render_page)


@app.command("check")
def check_labs(number: NumberArg = None, as_json: JsonOpt = False) -> None:
    """Run the lab's check.py (or all of them); exit 0 only when every item passed."""
    from labctl.labs.catalog import discover, select
    from labctl.labs.runner import check_all

    with reporting(as_json=as_json):
        emit(check_all(select(number, discover())), as_json, _render_report)


def _render_catalog(catalog: Catalog) -> None:
    from rich.markup import escape

    done = 0
    for lab in catalog.labs:
        ok, seen = catalog.status(lab)
        done += ok
        seen += "" if lab.check_file.is_file() else ", no check"
        room = max(20, console.width - len(seen) - 17)  # one line per lab: the title gives way
        title = lab.title if len(lab.title) <= room else lab.title[: room - 1] + "…"
        status = "[green]done   [/]" if ok else "[yellow]not yet[/]"
        console.print(f"[bold]{lab.number}[/]  {status}  {escape(title)}  [dim]({seen})[/]")
    console.print(f"{done}/{len(catalog.labs)} done: a lab is done when its last `labctl labs check NN` passed")


def _render_page(lab_page: LabPage) -> None:
    from rich.markdown import Markdown

    console.print(Markdown(lab_page.markdown))


def _render_report(report: CheckReport) -> None:
    from labctl.labs.checklist import print_items

    for run in report.runs:
        console.print(f"[bold]{run.lab.title}[/]")
        print_items(run.items, indent="  ")
