"""Rich rendering of `tls inspect` reports and the demo banner (commands stay thin)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from labctl.output import console
from labctl.tls.certs import CertInfo
from labctl.tls.demo import DemoServer
from labctl.tls.inspect import InspectReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def _plain(value: str, style: str = "") -> Text:
    # what the server sent is never markup or emoji: a fingerprint's ":AB:" would print as an emoji,
    # a subject containing "[/x]" would raise MarkupError
    return Text(value, style=style)


def _yes(value: bool) -> str:
    return "[green]yes[/]" if value else "[red]no[/]"


def _cert_grid(i: int, c: CertInfo) -> Table:
    role = "leaf" if i == 0 else ("root" if c.self_signed and c.is_ca else "intermediate" if c.is_ca else "cert")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    days = f"[red]{c.days_left}[/]" if c.expired or c.not_yet_valid else str(c.days_left)
    grid.add_row(f"[bold]#{i} {role}[/]", _plain(c.subject, "bold"))
    grid.add_row("issuer", _plain(c.issuer))
    grid.add_row("SANs", _plain(", ".join(c.sans) or "-"))
    grid.add_row("valid", f"{c.not_before[:10]} -> {c.not_after[:10]} ({days} days left)")
    grid.add_row("key", _plain(f"{c.key}, signed {c.signature_algorithm}, CA {'yes' if c.is_ca else 'no'}"))
    grid.add_row("serial", _plain(c.serial))
    grid.add_row("sha256", _plain(c.sha256))
    return grid


def render_report(report: InspectReport) -> None:
    """Each presented certificate, the connection summary, then findings worst first."""
    t = report.target
    console.print(f"[bold]{escape(t.authority)}[/] ({report.ip}), SNI {escape(t.sni or '(none: IP literal)')}")
    console.print(f"presented chain, {len(report.chain)} certificate(s), leaf first:")
    for i, c in enumerate(report.chain):
        console.print(_cert_grid(i, c))
    conn = Table.grid(padding=(0, 2))
    conn.add_column(style="dim", no_wrap=True)
    conn.add_column(overflow="fold")
    conn.add_row("trust", f"trusted {_yes(report.trusted)}, hostname match {_yes(report.hostname_match)}")
    conn.add_row("negotiated", _plain(f"{report.tls_version} {report.cipher}, ALPN {report.alpn or '-'}"))
    if report.legacy_client:
        conn.add_row("client", "[red]connects only with TLS 1.0/1.1 allowed[/]")
    conn.add_row("groups", ", ".join(report.groups) or "-")
    conn.add_row("resumption", _resumption(report))
    conn.add_row("without SNI", _no_sni(report))
    conn.add_row("OCSP staple", _yes(report.ocsp_stapled))
    conn.add_row("HSTS", _plain(report.hsts or "-"))
    console.print(conn)
    console.print(_protocol_table(report))
    _render_policies(report)
    if not report.findings:
        console.print("[green]no findings[/]")
        return
    findings = Table.grid(padding=(0, 1))
    findings.add_column(no_wrap=True)
    findings.add_column(no_wrap=True)
    findings.add_column(overflow="fold")
    for f in report.findings:
        findings.add_row(f"[{_STYLE[f.level]}]{f.level}[/]", f.code, _plain(f.message))
    console.print(findings)


def _resumption(report: InspectReport) -> str:
    r = report.resumption
    if r is None:
        return "-"
    parts = {"session ids": r.session_ids, "tickets": r.tickets, "TLS 1.3 PSK": r.tls13}
    return ", ".join(f"{k} {'[green]yes[/]' if v else 'no'}" for k, v in parts.items() if v is not None)


def _no_sni(report: InspectReport) -> str | Text:
    if report.target.sni is None:
        return "(no SNI sent: IP literal)"
    default = report.no_sni_certificate
    if default is None:
        return "[yellow]handshake refused[/]"
    return "same certificate" if default.sha256 == report.chain[0].sha256 else _plain(default.subject, "yellow")


def _protocol_table(report: InspectReport) -> Table:
    table = Table(title="accepted protocol versions and cipher suites", title_justify="left")
    for col in ("version", "suite", "key exchange", "bits", "FS"):
        table.add_column(col, justify="right" if col == "bits" else "left")
    for scan in report.protocols:
        if not scan.accepted:
            table.add_row(scan.version, "[dim]not accepted[/]", "", "", "")
        for i, c in enumerate(scan.ciphers):
            name = f"[red]{c.name}[/]" if c.weak else c.name
            fs = "[green]yes[/]" if c.forward_secrecy else "[red]no[/]"
            table.add_row(scan.version if i == 0 else "", name, c.kx, str(c.bits), fs)
    return table


def _render_policies(report: InspectReport) -> None:
    p = report.profile
    verdict = f"[bold]{p.mozilla}[/]" + (f"; to reach {p.target}:" if p.deviations else "")
    console.print(f"Mozilla profile (5.7): {verdict}")
    for d in p.deviations:
        console.print(f"  - {d}")
    exact = [m for m in report.aws_policies if m.match]
    shown = exact or report.aws_policies[:3]
    console.print("AWS TLS policies " + ("matching exactly:" if exact else "closest (none match exactly):"))
    for m in shown:
        diff = "; ".join(
            part
            for part in (
                f"missing {', '.join(m.missing)}" if m.missing else "",
                f"extra {', '.join(m.extra)}" if m.extra else "",
            )
            if part
        )
        console.print(f"  {m.service:<10} {m.name}")
        if diff:  # on its own line: the suite lists are long
            console.print(f"    [dim]{diff}[/]")


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
