"""Rich rendering of `tls inspect` reports and the demo banner (commands stay thin)."""

from __future__ import annotations

from rich.table import Table

from labctl.output import console
from labctl.tls.certs import CertInfo
from labctl.tls.demo import DemoServer
from labctl.tls.inspect import InspectReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def _yes(value: bool) -> str:
    return "[green]yes[/]" if value else "[red]no[/]"


def _cert_grid(i: int, c: CertInfo) -> Table:
    role = "leaf" if i == 0 else ("root" if c.self_signed and c.is_ca else "intermediate" if c.is_ca else "cert")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    days = f"[red]{c.days_left}[/]" if c.expired or c.not_yet_valid else str(c.days_left)
    grid.add_row(f"[bold]#{i} {role}[/]", f"[bold]{c.subject}[/]")
    grid.add_row("issuer", c.issuer)
    grid.add_row("SANs", ", ".join(c.sans) or "-")
    grid.add_row("valid", f"{c.not_before[:10]} -> {c.not_after[:10]} ({days} days left)")
    grid.add_row("key", f"{c.key}, signed {c.signature_algorithm}, CA {'yes' if c.is_ca else 'no'}")
    grid.add_row("serial", c.serial)
    grid.add_row("sha256", c.sha256)
    return grid


def render_report(report: InspectReport) -> None:
    """Each presented certificate, the connection summary, then findings worst first."""
    t = report.target
    console.print(f"[bold]{t.authority}[/] ({report.ip}), SNI {t.sni or '(none: IP literal)'}")
    console.print(f"presented chain, {len(report.chain)} certificate(s), leaf first:")
    for i, c in enumerate(report.chain):
        console.print(_cert_grid(i, c))
    accepted = " ".join(f"{v}:{'[green]yes[/]' if ok else 'no'}" for v, ok in report.versions.items())
    conn = Table.grid(padding=(0, 2))
    conn.add_column(style="dim", no_wrap=True)
    conn.add_column(overflow="fold")
    conn.add_row("trust", f"trusted {_yes(report.trusted)}, hostname match {_yes(report.hostname_match)}")
    conn.add_row("negotiated", f"{report.tls_version} {report.cipher}, ALPN {report.alpn or '-'}")
    conn.add_row("accepts", accepted)
    conn.add_row("OCSP staple", _yes(report.ocsp_stapled))
    conn.add_row("HSTS", report.hsts or "-")
    console.print(conn)
    if not report.findings:
        console.print("[green]no findings[/]")
        return
    findings = Table.grid(padding=(0, 1))
    findings.add_column(no_wrap=True)
    findings.add_column(no_wrap=True)
    findings.add_column(overflow="fold")
    for f in report.findings:
        findings.add_row(f"[{_STYLE[f.level]}]{f.level}[/]", f.code, f.message)
    console.print(findings)


def render_demo(server: DemoServer) -> None:
    """Where the lab listens and what to try against it (unwrapped, so commands copy-paste)."""
    assert server.pki is not None
    port, ca = server.port, server.pki.cafile
    lines = [f"[bold green]HTTPS lab[/] scenario [bold]{server.scenario}[/] at {server.url} (h2 + http/1.1)"]
    if server.http_url:
        lines.append(f"plain HTTP (same app, no TLS) at {server.http_url}")
    lines += [
        f"root CA: {ca}   served chain: {server.pki.certfile}",
        "try:",
        f"  labctl tls inspect localhost:{port} --cafile {ca}",
        f"  labctl net handshake {server.url} --cafile {ca} --rtt 50ms",
        f"  curl -v --cacert {ca} {server.url}api/movies",
        "[dim]Ctrl-C to stop[/]",
    ]
    for line in lines:
        console.print(line, soft_wrap=True)
