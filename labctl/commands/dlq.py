"""labctl dlq: command group (thin: parse, call, render)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group; see the subcommands."""
