"""labctl net: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labctl.output import emit, reporting

if TYPE_CHECKING:
    from labctl.net.service import Comparison

app = typer.Typer(no_args_is_help=True)

CafileOpt = Annotated[Path | None, typer.Option(help="trust this root CA PEM (e.g. the tls demo's)")]
RttOpt = Annotated[str | None, typer.Option(help="add a local delay proxy with this RTT, e.g. 100ms")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


@app.callback()
def _group() -> None:
    """Time the TCP and TLS handshakes; compare HTTP/1.1 and HTTP/2."""


@app.command("handshake")
def handshake_cmd(
    url: Annotated[str, typer.Argument(help="http:// or https:// URL")],
    count: Annotated[int, typer.Option(help="full fetches (each followed by one resumed)")] = 5,
    http: Annotated[str, typer.Option(help="1.1 | 2 (2 offers h2 and http/1.1 via ALPN)")] = "2",
    tls: Annotated[str | None, typer.Option(help="1.2 | 1.3 (default: best both sides support)")] = None,
    rtt: RttOpt = None,
    cafile: CafileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Time DNS, TCP connect, TLS handshake, first byte and transfer; compare with expected RTTs."""
    from labctl.net.render import render_handshake
    from labctl.net.service import handshake

    with reporting(as_json=as_json):
        emit(handshake(url, count=count, http=http, tls=tls, rtt=rtt, cafile=cafile), as_json, render_handshake)


@app.command("compare-http")
def compare_cmd(
    url: Annotated[str, typer.Argument(help="https:// URL of a small resource")],
    assets: Annotated[int, typer.Option(help="how many small resources to fetch")] = 50,
    rtt: RttOpt = None,
    cafile: CafileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch N resources over HTTP/1.1 (<= 6 connections) and HTTP/2 (1 connection), side by side."""
    from labctl.net.service import compare_http

    with reporting(as_json=as_json):
        emit(compare_http(url, assets=assets, rtt=rtt, cafile=cafile), as_json, _render_comparison)


def _render_comparison(comparison: Comparison) -> None:
    from labctl.net.render import render_compare

    render_compare(comparison.runs, comparison.rtt_ms)
