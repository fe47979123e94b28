"""labctl net: command group (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from labctl.output import LabError, print_json, reporting

if TYPE_CHECKING:
    from labctl.net.phases import HttpVersion, TlsVersion

app = typer.Typer(no_args_is_help=True)

CafileOpt = Annotated[Path | None, typer.Option(help="trust this root CA PEM (e.g. the tls demo's)")]
RttOpt = Annotated[str | None, typer.Option(help="add a local delay proxy with this RTT, e.g. 100ms")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


@app.callback()
def _group() -> None:
    """Time the TCP and TLS handshakes; compare HTTP/1.1 and HTTP/2."""


def _rtt_ms(rtt: str | None) -> float | None:
    from labctl.durations import RTT, parse_duration

    return parse_duration(rtt, RTT).total_seconds() * 1000 if rtt else None


def _cafile(path: Path | None) -> str | None:
    if path is not None and not path.is_file():
        raise LabError("cafile_not_found", f"{path} does not exist", "pass the root CA PEM the server uses")
    return str(path) if path else None


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
    from labctl.net.handshake import run

    with reporting(as_json=as_json):
        if http not in ("1.1", "2"):
            raise LabError("invalid_http_version", f"--http {http} is not 1.1 or 2", "use --http 1.1 or --http 2")
        if tls not in (None, "1.2", "1.3"):
            raise LabError("invalid_tls_version", f"--tls {tls} is not 1.2 or 1.3", "use --tls 1.2 or --tls 1.3")
        report = run(
            url,
            count=count,
            http=cast("HttpVersion", http),  # validated just above
            tls=cast("TlsVersion | None", tls),
            rtt_ms=_rtt_ms(rtt),
            cafile=_cafile(cafile),
        )
    if as_json:
        print_json(report.as_dict())
        return
    from labctl.net.render import render_handshake

    render_handshake(report)


@app.command("compare-http")
def compare_cmd(
    url: Annotated[str, typer.Argument(help="https:// URL of a small resource")],
    assets: Annotated[int, typer.Option(help="how many small resources to fetch")] = 50,
    rtt: RttOpt = None,
    cafile: CafileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch N resources over HTTP/1.1 (<= 6 connections) and HTTP/2 (1 connection), side by side."""
    from labctl.net.compare import as_dicts, compare
    from labctl.net.handshake import parse_url
    from labctl.tls.probe import reachable_ip

    with reporting(as_json=as_json):
        target, _tls = parse_url(url)
        rtt_ms = _rtt_ms(rtt)
        ip = reachable_ip(target, timeout=5.0)
        runs = compare(url, target, ip, assets=assets, rtt_ms=rtt_ms, cafile=_cafile(cafile))
    if as_json:
        print_json({"url": url, "rtt_ms": rtt_ms, "assets": assets, "runs": as_dicts(runs)})
        return
    from labctl.net.render import render_compare

    render_compare(runs, rtt_ms)
