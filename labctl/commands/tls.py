"""labctl tls: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from labctl.output import emit, reporting

app = typer.Typer(no_args_is_help=True)

SCENARIO_HELP = (
    "ok | expired | expiring | wrong-host | missing-intermediate | self-signed | legacy-only | weak-key | sha1"
)


@app.callback()
def _group() -> None:
    """Inspect certificate chains; run a local HTTPS lab."""


@app.command("inspect")
def inspect_cmd(
    target: Annotated[str, typer.Argument(help="host, host:port or https:// URL")],
    port: Annotated[int | None, typer.Option(help="port (default: from TARGET, else 443)")] = None,
    servername: Annotated[str | None, typer.Option(help="SNI to send (default: the host)")] = None,
    cafile: Annotated[Path | None, typer.Option(help="trust this root CA PEM instead of the system store")] = None,
    warn_days: Annotated[int, typer.Option(help="warn when a certificate expires within N days")] = 30,
    timeout: Annotated[float, typer.Option(help="seconds per network step")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Judge the chain, then scan suites, groups and resumption against AWS and Mozilla policies; exit 0/1/2."""
    from labctl.tls.inspect import inspect
    from labctl.tls.render import render_report
    from labctl.tls.target import parse_target

    with reporting(as_json=as_json):
        report = inspect(
            parse_target(target, port=port, servername=servername),
            cafile=cafile,
            warn_days=warn_days,
            timeout=timeout,
        )
    emit(report, as_json, render_report)  # exits 1 with warnings, 2 with errors


@app.command("demo")
def demo_cmd(
    port: Annotated[int, typer.Option(help="port to serve HTTPS on (127.0.0.1)")] = 8443,
    http_port: Annotated[int | None, typer.Option(help="also serve plain HTTP on this port")] = None,
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "ok",
    directory: Annotated[Path | None, typer.Option("--dir", help="where to write the CA and chain")] = None,
    app_spec: Annotated[str | None, typer.Option("--app", help="ASGI app (module:attr or file.py:factory())")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print where the lab listens as JSON")] = False,
) -> None:
    """Serve the lab over HTTPS (h2 + http/1.1) behind a real or deliberately broken chain."""
    from labctl.tls import demo
    from labctl.tls.render import render_demo

    with reporting(as_json=as_json):
        server = demo.lab_server(scenario, directory, port, http_port, app_spec)
        with demo.exit_on_signals():
            try:
                emit(server.start(), as_json, render_demo)
                server.wait()
            finally:
                server.stop()
