"""Verdicts and rendering: per-endpoint numbers, the SLOs (p95 < 300 ms, 99.9% non-5xx), invariants."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from labctl.output import report_table

P95_SLO_MS = 300.0
AVAILABILITY_SLO = 0.999
HOLDS = "POST /api/shows/{id}/holds"
BOOKINGS = ("POST /api/bookings", "POST /api/bookings (retry)")
CONTENDED = "seat_lock_contended"  # the seat locks stayed contended past the API's retries: nothing is taken


def failures(status_counts: dict[str, int]) -> int:
    """5xx and transport errors/timeouts (recorded as status 0)."""
    return sum(n for code, n in status_counts.items() if code == "0" or int(code) >= 500)


def slo(endpoints: list[dict[str, Any]]) -> dict[str, Any]:
    """latency_ok: every endpoint's p95 < 300 ms; availability_ok: >= 99.9% of requests not 5xx/timeouts."""
    total = sum(e["requests"] for e in endpoints)
    bad = sum(failures(e["status_counts"]) for e in endpoints)
    slow = [e["name"] for e in endpoints if e["p95_ms"] >= P95_SLO_MS]
    availability = 1.0 - bad / total if total else 0.0
    return {
        "latency_ok": bool(total) and not slow,
        "availability_ok": bool(total) and availability >= AVAILABILITY_SLO,
        "availability": round(availability, 5),
        "failures": bad,
        "slow_endpoints": slow,
    }


def outcomes(endpoints: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """What became of the hold and booking attempts, each outcome counted on its own.

    refused: 409 seats_unavailable (someone holds or booked a seat); contended: 503 seat_lock_contended
    (the seat locks stayed contended past the API's retries, nothing is taken); failed: other 5xx and timeouts.
    """
    out: dict[str, dict[str, int]] = {}
    for kind, names in (("holds", (HOLDS,)), ("bookings", BOOKINGS)):
        eps = [e for e in endpoints if e["name"] in names]
        status: dict[str, int] = {}
        codes: dict[str, int] = {}
        for e in eps:
            for k, v in e["status_counts"].items():
                status[k] = status.get(k, 0) + v
            for k, v in e.get("error_codes", {}).items():
                codes[k] = codes.get(k, 0) + v
        contended = codes.get(CONTENDED, 0)
        row = {"attempts": sum(e["requests"] for e in eps), "ok": status.get("201", 0)}
        if kind == "holds":
            row["refused"] = codes.get("seats_unavailable", 0)
        else:
            row |= {"declined": status.get("402", 0), "conflicts": status.get("409", 0)}
        out[kind] = row | {"contended": contended, "failed": failures(status) - contended}
    return out


NO_ROOM = {"enabled": False, "admitted": 0, "queued": 0, "rejected": 0, "wait_p50_ms": 0.0, "wait_p95_ms": 0.0}


def goodput(endpoints: list[dict[str, Any]], duration_s: float) -> float:
    """Holds created per second (201s): what the hold path delivered, whoever waited for it."""
    created = sum(int(e["status_counts"].get("201", 0)) for e in endpoints if e["name"] == HOLDS)
    return round(created / duration_s, 2) if duration_s > 0 else 0.0


def build(summary: dict[str, Any], target: str, invariants: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The --json document (and what the human view renders)."""
    keep = ("name", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "status_counts", "error_codes", "phases")
    endpoints = [{k: e[k] for k in keep if k in e} for e in summary["endpoints"]]
    return {
        "scenario": summary["scenario"],
        "target": target,
        "duration_s": summary["duration_s"],
        "users": summary["users"],
        "endpoints": endpoints,
        "total": {k: summary["total"][k] for k in keep if k in summary.get("total", {})},
        "slo": slo(endpoints),
        "outcomes": outcomes(endpoints),
        "waiting_room": summary.get("waiting_room") or dict(NO_ROOM),
        "goodput_holds_per_s": goodput(endpoints, float(summary["duration_s"])),
        "invariants": invariants or [],
        "out_dir": summary.get("out_dir"),
    }


def live_line(live: dict[str, Any]) -> str:
    return (
        f"[bold]{live.get('phase', '?'):>8}[/]  t={live.get('elapsed_s', 0):>5}s  users={live.get('users', 0):>4}  "
        f"rps={live.get('rps', 0):>7}  p95={live.get('p95_ms', 0):>5} ms  failures={live.get('failures', 0)}"
    )


def _ok(flag: bool) -> str:
    return "[green]pass[/]" if flag else "[red]FAIL[/]"


def render(doc: dict[str, Any], console: Console) -> None:
    """Per-endpoint table, SLO verdict, invariants with offending ids (p50 and p99 drop out below 100 columns)."""
    wide = console.width >= 100
    t = report_table(f"{doc['scenario']} against {doc['target']}: {doc['users']} users, {doc['duration_s']} s")
    cols = ("endpoint", "requests", "rps", "p50 ms", "p95 ms", "p99 ms", "outcomes")
    for col in cols if wide else tuple(c for c in cols if c not in ("p50 ms", "p99 ms")):
        left = col in ("endpoint", "outcomes")
        t.add_column(col, justify="left" if left else "right", no_wrap=col != "outcomes", overflow="fold")
    rows = [*doc["endpoints"], {**doc["total"], "name": "all"}] if doc.get("total") else doc["endpoints"]
    for e in rows:
        codes = " ".join(f"{k}:{v}" for k, v in e.get("status_counts", {}).items())
        p95 = f"[red]{e['p95_ms']}[/]" if e["p95_ms"] >= P95_SLO_MS else str(e["p95_ms"])
        times = [str(e["p50_ms"]), p95, str(e["p99_ms"])] if wide else [p95]
        t.add_row(escape(e["name"]), str(e["requests"]), str(e["rps"]), *times, codes)
    console.print(t)
    s = doc["slo"]
    slow = f" (slow: {escape(', '.join(s['slow_endpoints']))})" if s["slow_endpoints"] else ""
    console.print(f"SLO p95 < {P95_SLO_MS:.0f} ms: {_ok(s['latency_ok'])}{slow}")
    console.print(
        f"SLO 99.9% non-5xx: {_ok(s['availability_ok'])} ({s['availability'] * 100:.3f}%, {s['failures']} failures)"
    )
    if doc.get("locust_cpu"):
        console.print(cpu_line(doc["locust_cpu"]))
    for kind, row in doc.get("outcomes", {}).items():
        console.print(f"{kind}: " + "  ".join(f"{k} {v}" for k, v in row.items()))
    if doc.get("waiting_room"):
        console.print(room_line(doc["waiting_room"], doc.get("goodput_holds_per_s", 0.0)))
    render_invariants(doc["invariants"], console)


def room_line(room: dict[str, Any], goodput_per_s: float) -> str:
    """The waiting room: who got in, who queued and for how long, who was refused; holds/s (each line < 80)."""
    if not room["enabled"]:
        return f"waiting room: off  goodput {goodput_per_s} holds/s"
    return (
        f"waiting room: on  admitted {room['admitted']}  queued {room['queued']}  rejected {room['rejected']}\n"
        f"  in line p50/p95 {room['wait_p50_ms']:.0f}/{room['wait_p95_ms']:.0f} ms  goodput {goodput_per_s} holds/s"
    )


LOCUST_BUSY_PCT = 90.0


def cpu_line(cpu: dict[str, dict[str, float]]) -> str:
    """Locust's own CPU per process; a hint when one ran near a full core (the load generator limited the run)."""
    parts = ", ".join(f"{name} {c['mean']:.0f}% (max {c['max']:.0f}%)" for name, c in cpu.items())
    busy = [name for name, c in cpu.items() if c["mean"] >= LOCUST_BUSY_PCT]
    hint = f" [yellow]{', '.join(busy)} near a full core: add --workers[/]" if busy else ""
    return f"Locust CPU: {parts}{hint}"


def render_invariants(invariants: list[dict[str, Any]], console: Console) -> None:
    """Each invariant with pass/fail and up to ten offending ids (with the API's log line, when known)."""
    for inv in invariants:
        console.print(f"invariant {inv['name']}: {_ok(inv['ok'])} ({inv['checked']} checked)")
        evidence = inv.get("evidence") or []
        for i, v in enumerate(inv["violations"][:10]):
            console.print(f"    [red]{escape(v)}[/]")
            if i < len(evidence):
                line = evidence[i].get("api_log")
                console.print(f"      API log: {escape(json.dumps(line)) if line else 'no line for this request id'}")
        if inv["violation_count"] > 10:
            console.print(f"    ... {inv['violation_count'] - 10} more (see --json)")
