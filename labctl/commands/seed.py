"""labctl seed: (re)load the demo catalog into a DynamoDB table (the running local lab's by default)."""

from __future__ import annotations

import typer

from labctl.output import LabError, console, print_json, reporting


def register(app: typer.Typer) -> None:
    """Add `seed` to the root app."""

    @app.command()
    def seed(
        endpoint_url: str = typer.Option("", "--endpoint-url", help="DynamoDB endpoint (default: the local lab's)."),
        table: str = typer.Option("", "--table", help="Table name (default: the local lab's)."),
        days: int = typer.Option(7, "--days", help="Days of shows from today (1-60)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Create the table if missing and load movies, shows and seats (safe to re-run: keeps bookings)."""
        with reporting(as_json=as_json):
            if not 1 <= days <= 60:
                raise LabError("invalid_days", f"--days {days} is out of range.", "Use 1 to 60.")
            from labctl.local import entry, provision, services

            lab = entry.current(as_json)
            if not endpoint_url and lab is None:
                raise LabError(
                    "local_lab_not_running",
                    "No local lab is running and no --endpoint-url was given.",
                    "Start the lab with `labctl up --local`, or pass --endpoint-url http://127.0.0.1:PORT.",
                )
            endpoint = endpoint_url or (lab.endpoints["dynamodb"] if lab else "")
            name = table or (lab.table_name if lab else services.TABLE_NAME)
            region = lab.region if lab else services.REGION
            result = provision.run_seed(endpoint, name, region, days)
            if as_json:
                print_json({"endpoint_url": endpoint, **result})
            else:
                console.print(
                    f"Seeded {name} at {endpoint}: {result.get('movies')} movies, {result.get('shows')} shows, "
                    f"{result.get('items_written')} items written"
                    + (" (table created)" if result.get("table_created") else "")
                )
