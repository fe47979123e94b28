"""labctl worker: run the local SQS worker."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `worker` to the root app."""

    @app.command()
    def worker() -> None:
        """Long-poll the local queues and run the Lambda handlers."""
        raise typer.Exit(0)
