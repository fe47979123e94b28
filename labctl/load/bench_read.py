"""`make bench`, the read path: seat maps back to back against `GET /healthz` on the same server, same run.

  read-healthz          HealthReader: /healthz with no think time (the server's ceiling for doing nothing)
  read-seatmap          SeatMapReader: the popular shows' seat maps with no think time (EMF line only, as
                        the bench's API runs: LOG_LEVEL=WARNING)
  read-seatmap-logged   the same on a second API with LOG_LEVEL=INFO: the access-log line as well (as the
                        local lab runs), so the difference is what the second JSON line costs on a real server
Plus each line's CPU cost in-process (`log_line_cost`: 20,000 lines into /dev/null, in a child interpreter:
labctl never imports the API).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labctl.load import stack

REPO_ROOT = Path(__file__).resolve().parents[2]
READ_USERS = 40
# The API's own two writers, timed on the lines a seat-map request writes.
_LOG_COST = """
import json, logging, os, sys, time
from api.http.logging_json import JsonFormatter
from api.http.metrics import EmfObserver
from api.settings import Settings
n = int(sys.argv[1]); sink = open(os.devnull, "w")
emf = EmfObserver(Settings(), stream=sink, routes=["/api/shows/{show_id}/seats"])
handler = logging.StreamHandler(sink); handler.setFormatter(JsonFormatter())
log = logging.getLogger("api.access"); log.handlers = [handler]; log.propagate = False; log.setLevel("INFO")
extra = {"request_id": "0" * 32, "method": "GET", "route": "/api/shows/{show_id}/seats",
         "path": "/api/shows/show-1/seats", "status": 200, "latency_ms": 12.34, "error_code": None}
t = time.process_time()
for _ in range(n): emf("/api/shows/{show_id}/seats", "GET", 200, 12.34, None)
e = time.process_time() - t; t = time.process_time()
for _ in range(n): log.info("request", extra=extra)
a = time.process_time() - t
print(json.dumps({"emf_us": round(e / n * 1e6, 1), "access_log_us": round(a / n * 1e6, 1), "lines": n}))
"""

RunOne = Callable[..., dict[str, Any]]  # bench.run_one, passed in (it imports this module)


def log_line_cost(lines: int = 20_000) -> dict[str, Any]:
    """CPU microseconds per request of the EMF line and of the access-log line."""
    done = subprocess.run(
        [sys.executable, "-c", _LOG_COST, str(lines)], cwd=REPO_ROOT, capture_output=True, timeout=120, check=True
    )
    cost: dict[str, Any] = json.loads(done.stdout)
    return cost


def read_runs(st: stack.Stack, out: Path, workdir: Path, seconds: float, run_one: RunOne) -> list[dict[str, Any]]:
    """The three read runs (no invariants: nothing is written)."""
    runs = [
        run_one(st, st.api, st.table, "read-healthz", "steady", READ_USERS, seconds, out, "HealthReader", check=False),
        run_one(st, st.api, st.table, "read-seatmap", "steady", READ_USERS, seconds, out, "SeatMapReader", check=False),
    ]
    env = stack.api_env(st.dynamodb_endpoint, st.table) | {"LOG_LEVEL": "INFO"}
    with stack.running_api(env, workdir / "logged-api.log") as logged:
        name, users = "read-seatmap-logged", READ_USERS
        runs.append(run_one(st, logged, st.table, name, "steady", users, seconds, out, "SeatMapReader", check=False))
    return runs


def read_ratios(runs: list[dict[str, Any]], cost: dict[str, Any]) -> dict[str, Any]:
    """Seat-map rps and API CPU per request as ratios of /healthz, and the log lines' share of a seat map."""
    by = {r["name"]: r for r in runs}
    health, seat, logged = by["read-healthz"], by["read-seatmap"], by["read-seatmap-logged"]

    def api_ms(run: dict[str, Any]) -> float:
        mean = float(run["cpu"].get("api", {}).get("mean", 0.0))
        return mean / 100 * float(run["duration_s"]) * 1000 / max(int(run["requests"]), 1)

    seat_ms, health_ms, logged_ms = api_ms(seat), api_ms(health), api_ms(logged)
    lines_ms = (cost["emf_us"] + cost["access_log_us"]) / 1000
    return {
        "healthz_rps": health["rps"],
        "seatmap_rps": seat["rps"],
        "rps_ratio": round(seat["rps"] / health["rps"], 2) if health["rps"] else 0.0,
        "healthz_api_cpu_ms": round(health_ms, 3),
        "seatmap_api_cpu_ms": round(seat_ms, 3),
        "seatmap_logged_api_cpu_ms": round(logged_ms, 3),
        "cpu_ratio": round(seat_ms / health_ms, 2) if health_ms else 0.0,
        "emf_us": cost["emf_us"],
        "access_log_us": cost["access_log_us"],
        "lines_share_of_seatmap": round(lines_ms / seat_ms, 4) if seat_ms else 0.0,
    }
