"""labctl doctor: check what the lab needs and say how to fix each miss."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from labctl.commands.options import JsonOpt
from labctl.output import console, emit, reporting

if TYPE_CHECKING:
    from labctl.local.doctor import Diagnosis

PortOpt = Annotated[int, typer.Option("--port", help="The port `labctl up --local` will use.")]
CloudOpt = Annotated[bool, typer.Option("--cloud", help="Also check what the AWS commands need (CDK, credentials).")]


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root app."""

    @app.command()
    def doctor(port: PortOpt = 8080, cloud: CloudOpt = False, as_json: JsonOpt = False) -> None:
        """Check Python, Node, Java, free ports and installed dependencies; exit 1 if something required is missing."""
        from labctl.local.doctor import diagnose

        with reporting(as_json=as_json):
            emit(diagnose(port=port, cloud=cloud), as_json, _render)


def _render(diagnosis: Diagnosis) -> None:
    from rich.table import Table

    # the fix goes on a row of its own under its check: a fourth column would fold every cell to a sliver
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for c in diagnosis.checks:
        mark = "[green]ok[/]" if c.ok else "[red]MISSING[/]" if c.required else "[yellow]warn[/]"
        table.add_row(mark, c.name, c.detail)
        if c.fix and not c.ok:
            table.add_row("", "", f"[dim]fix: {c.fix}[/]")
    console.print(table)
    if diagnosis.exit_code:
        console.print("Fix the MISSING lines, then re-run.")
    elif diagnosis.cloud:
        console.print("Ready for `labctl up --local` and the AWS commands.")
    else:
        console.print("Ready for `labctl up --local`.")
