"""labctl doctor: check what the lab needs and say how to fix each miss."""

from __future__ import annotations

import typer

from labctl.output import console, print_json, reporting


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root app."""

    @app.command()
    def doctor(
        port: int = typer.Option(8080, "--port", help="The port `labctl up --local` will use."),
        cloud: bool = typer.Option(False, "--cloud", help="Also check what the AWS commands need (CDK, credentials)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Check Python, Node, Java, free ports and installed dependencies; exit 1 if something required is missing."""
        with reporting(as_json=as_json):
            from rich.table import Table

            from labctl.local.doctor import exit_code, run_checks

            checks = run_checks(port=port, cloud=cloud)
            code = exit_code(checks)
            if as_json:
                print_json(
                    {
                        "ok": code == 0,
                        "checks": [
                            {"name": c.name, "ok": c.ok, "required": c.required, "detail": c.detail, "fix": c.fix}
                            for c in checks
                        ],
                    }
                )
            else:
                table = Table(show_header=False, box=None, pad_edge=False)
                for c in checks:
                    mark = "[green]ok[/]" if c.ok else "[red]MISSING[/]" if c.required else "[yellow]warn[/]"
                    table.add_row(mark, c.name, c.detail, f"[dim]{c.fix}[/]" if c.fix and not c.ok else "")
                console.print(table)
                verdict = "Ready for `labctl up --local`." if code == 0 else "Fix the MISSING lines, then re-run."
                console.print(verdict if not cloud or code else "Ready for `labctl up --local` and the AWS commands.")
            raise typer.Exit(code)
