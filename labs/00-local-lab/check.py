"""Lab 00 check: the local lab runs and is healthy, and you did the three exercises of the README.

Run: labctl labs check 00   (or python labs/00-local-lab/check.py); a few seconds, read-only.
"""

from __future__ import annotations

import sys

import httpx

from labctl.labs import checklist
from labctl.output import LabError

Result = tuple[str, bool | None, str]


def check() -> list[Result]:
    """(name, ok, detail) per item; exercises not attempted yet are TODO (None)."""
    from labctl.local import health
    from labctl.local.running import require_running

    lab = require_running()
    verdicts = health.probe(lab)
    sick = {n: h.detail for n, h in verdicts.items() if not h.ok and n != "seed"}
    results: list[Result] = [
        ("every service is healthy", not sick, ", ".join(f"{n}: {d}" for n, d in sick.items()) or "all healthy"),
        ("the worker is supervised", lab.worker == "supervised", f"worker: {lab.worker}"),
    ]
    resp = httpx.get(f"{lab.api_url}/api/movies", timeout=10)
    if resp.status_code != 200:
        raise LabError("unexpected_response", f"GET /api/movies answered {resp.status_code}.", "labctl status --local")
    movies = resp.json()["items"]
    results.append(("the catalog is loaded", len(movies) >= 6, f"{len(movies)} movies"))
    depths = health.queue_depths(lab)
    results.append(
        ("queues and DLQs exist", len(depths) == 4, ", ".join(sorted(depths)) or "the queue service does not answer")
    )

    counts = health.safe_counts(lab) or {"bookings": {"total": 0}, "holds": {"total": 0}}
    booked = counts["bookings"]["total"]
    results.append(("exercise 1: a booking made in the UI", booked >= 1 or None, f"{booked} bookings"))
    expired = counts["holds"].get("expired", 0) + counts["holds"].get("released", 0)
    hold_ttl = lab.hold_ttl_seconds
    results.append(
        (
            "exercise 2: a hold that ran out",
            expired >= 1 or None,
            f"{expired} expired/released holds (lab started with --hold-ttl {hold_ttl})",
        )
    )
    restarts = lab.services["api"].restarts if "api" in lab.services else 0
    results.append(("exercise 3: the API killed and restarted", restarts >= 1 or None, f"api restarts: {restarts}"))
    return results


if __name__ == "__main__":
    sys.exit(checklist.main(check))
