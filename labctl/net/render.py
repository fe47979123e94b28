"""Rich rendering for the net commands."""

from __future__ import annotations

from labctl.net.compare import ProtocolRun
from labctl.net.handshake import LABELS, HandshakeReport
from labctl.output import console, report_table


def render_handshake(report: HandshakeReport) -> None:
    """Phase table: median, p95, measured RTTs against expected RTTs."""
    path = f"via delay proxy, RTT {report.rtt_ms:g} ms" if report.rtt_ms else "direct"
    tls = report.tls_version or "no TLS"
    runs = len(report.samples["tcp"])
    console.print(
        f"[bold]{report.url}[/] ({report.ip}, {path}) {tls}, HTTP/{report.http}, {runs} runs"
        f" + {report.resumed_ok} resumed"
    )
    basis = "--rtt" if report.rtt_ms else "median TCP connect"
    table = report_table(f"1 RTT = {report.rtt_basis_ms:.1f} ms ({basis})")
    for col in ("phase", "median ms", "p95 ms", "measured RTT", "expected RTT"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    for row in report.rows():
        expected = row["expected_rtts"]
        style = "bold" if row["phase"] in ("setup", "first_byte") else ""
        table.add_row(
            LABELS[row["phase"]],
            f"{row['median_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            "-" if row["rtts"] is None else f"{row['rtts']:.2f}",
            "-" if expected is None else f"{expected:g}",
            style=style,
        )
    console.print(table)
    if not report.rtt_ms and report.rtt_basis_ms < 1.0:
        console.print(
            "[yellow]loopback: a round trip costs ~0 here, so these times are CPU (key exchange, signatures, "
            "Python). Add --rtt 50ms to see what each round trip costs on a real link.[/]"
        )
    if report.tls_version == "TLSv1.2":
        console.print("[dim]TLS 1.2 needs 2 round trips before the client may send data; 1.3 needs 1.[/]")
    elif report.tls_version == "TLSv1.3":
        console.print("[dim]TLS 1.3 sends key share in the ClientHello: 1 round trip; 1.2 would need 2.[/]")


def render_compare(runs: list[ProtocolRun], rtt_ms: float | None) -> None:
    """HTTP/1.1 and HTTP/2 side by side."""
    title = f"{runs[0].requests} small fetches" + (f", RTT {rtt_ms:g} ms" if rtt_ms else "")
    table = report_table(title)
    # two-line headers: seven columns fit 80 characters without cutting a figure
    for col in ("protocol", "TCP\nconnections", "TLS\nhandshakes", "total\nms", "median\nms", "p95\nms", "errors"):
        table.add_column(col, justify="left" if col == "protocol" else "right", no_wrap=True)
    for r in runs:
        table.add_row(
            r.protocol,
            str(r.connections),
            str(r.tls_handshakes),
            f"{r.total_ms:.0f}",
            f"{r.median_ms:.0f}",
            f"{r.p95_ms:.0f}",
            str(r.errors),
        )
    console.print(table)
