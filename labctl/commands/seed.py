"""labctl seed: (re)load the demo catalog into a DynamoDB table (the running local lab's by default)."""

from __future__ import annotations

from typing import Annotated

import typer

from labctl.local.seed import SeedResult
from labctl.output import console, emit, reporting

EndpointOpt = Annotated[str, typer.Option("--endpoint-url", help="DynamoDB endpoint (default: the local lab's).")]
TableOpt = Annotated[str, typer.Option("--table", help="Table name (default: the local lab's).")]
DaysOpt = Annotated[int, typer.Option("--days", help="Days of shows from today (1-60).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add `seed` to the root app."""

    @app.command()
    def seed(endpoint_url: EndpointOpt = "", table: TableOpt = "", days: DaysOpt = 7, as_json: JsonOpt = False) -> None:
        """Create the table if missing and load movies, shows and seats (safe to re-run: keeps bookings)."""
        from labctl.local.seed import seed as run_seed

        with reporting(as_json=as_json):
            emit(run_seed(endpoint_url, table, days), as_json, _render)


def _render(result: SeedResult) -> None:
    counts = result.counts
    created = " (table created)" if counts.get("table_created") else ""
    console.print(
        f"Seeded {result.table} at {result.endpoint_url}: {counts.get('movies')} movies, {counts.get('shows')} shows, "
        f"{counts.get('items_written')} items written{created}"
    )
