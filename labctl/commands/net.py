"""labctl net: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labctl.output import emit, reporting

if TYPE_CHECKING:
    from labctl.net.capture import CaptureReport
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


@app.command("capture")
def capture_cmd(
    port: Annotated[int, typer.Option(help="record TCP segments to or from this port on lo")] = 8443,
    seconds: Annotated[float, typer.Option(help="how long to record (1-120)")] = 5.0,
    out: Annotated[Path | None, typer.Option(help="write the pcap here (needs root)")] = None,
    read: Annotated[Path | None, typer.Option(help="read this pcap instead of capturing")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture loopback TCP into a pcap (root), or read one: each connection's handshake and TLS records."""
    from labctl.net.capture import capture, report

    with reporting(as_json=as_json):
        if read is None:
            if out is None or not 1 <= seconds <= 120:
                from labctl.output import LabError

                raise LabError("invalid_capture", "Capture needs --out FILE and 1-120 --seconds.", "Or --read FILE.")
            packets = capture(port, seconds, out)
            emit(report(out, packets), as_json, _render_capture)
        else:
            emit(report(read), as_json, _render_capture)


def _render_capture(rep: CaptureReport) -> None:
    from labctl.output import console

    console.print(f"{rep.path}: {rep.packets} TCP segments, {len(rep.conns)} connections")
    for conn in rep.conns:
        d = conn.as_dict()
        console.print(f"  {d['client']} -> {d['server']}: {' '.join(conn.handshake)}")
        if conn.request_lines:
            console.print(f"    plaintext: {'; '.join(conn.request_lines)}")
        if conn.h2_preface:
            console.print("    HTTP/2 connection preface")
        if conn.tls_records:
            console.print(f"    TLS records: {', '.join(conn.tls_records)}")


def _render_comparison(comparison: Comparison) -> None:
    from labctl.net.render import render_compare

    render_compare(comparison.runs, comparison.rtt_ms)
