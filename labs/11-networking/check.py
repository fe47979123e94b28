"""Lab 11 check: your captures show the three-way handshake, plaintext HTTP and TLS records; HTTP/2 on one connection.

Run: labctl labs check 11   (under a second: reads the captures and outputs you saved in ~/.labctl/labs/11)
"""

from __future__ import annotations

import sys

from labctl.labs import checklist
from labctl.labs.answers import answers_items, lab_file, listed, read_doc, saved
from labctl.labs.checklist import Item
from labctl.net.capture import Connection, report


def _captured(name: str) -> tuple[list[Connection] | None, Item]:
    path = lab_file("11", name)
    if not path.is_file():
        return None, Item(f"{name} captured", None, f"not done yet: capture it into {path} (README)")
    conns = report(path).conns
    return conns, Item(f"{name} captured", bool(conns), f"{len(conns)} connections opened inside the capture")


def check_http(conns: list[Connection]) -> Item:
    seen = [c for c in conns if c.three_way and c.request_lines]
    detail = f"{seen[0].request_lines[0]!r} after {' '.join(seen[0].handshake)}" if seen else "no request line seen"
    return Item("plain HTTP: handshake, then the request in clear text", bool(seen), detail)


def check_https(conns: list[Connection]) -> Item:
    seen = [
        c
        for c in conns
        if c.three_way
        and not c.request_lines
        and {"client handshake", "server handshake", "client application_data"} <= set(c.tls_records)
    ]
    detail = ", ".join(seen[0].tls_records[:6]) if seen else f"records: {[c.tls_records[:4] for c in conns]}"
    return Item("HTTPS: handshake, TLS records, no readable request", bool(seen), detail)


def expected(http: list[Connection], https: list[Connection], runs: dict[str, int]) -> dict[str, object]:
    """The answers, read from your own artefacts."""
    first = next(c for c in http if c.request_lines)
    tls = next(c for c in https if c.tls_records)
    return {
        "http_request_line": first.request_lines[0],
        "https_server_port": tls.server[1],
        "first_client_tls_record": tls.tls_records[0].split(" ", 1)[1],
        "h1_connections": runs["HTTP/1.1"],
        "h2_connections": runs["HTTP/2"],
    }


def check() -> list[Item]:
    """The two captures, the saved comparison, then the answers read from them."""
    http, http_saved = _captured("http.pcap")
    https, https_saved = _captured("https.pcap")
    items = [http_saved, https_saved]
    items += [check_http(http)] if http else []
    items += [check_https(https)] if https else []
    path = lab_file("11", "compare.json")
    doc = read_doc(path)
    items.append(saved("HTTP/1.1 vs HTTP/2 comparison saved", path, doc))
    if doc is None or not http or not https or not all(i.ok for i in items):
        return items
    runs = {str(r["protocol"]): int(r["connections"]) for r in listed(doc, "runs") if isinstance(r, dict)}
    items.append(
        Item(
            "HTTP/2 multiplexed every request on one connection",
            runs.get("HTTP/2") == 1 and runs.get("HTTP/1.1", 0) > 1,
            f"connections: {runs}",
        )
    )
    return items + answers_items(lab_file("11", "answers.json"), expected(http, https, runs))


if __name__ == "__main__":
    sys.exit(checklist.main(check))
