"""What the load run records: per-endpoint outcomes and latencies (by phase), and the load log.

The load log (JSON lines) is what the invariant checker reads besides the table: every hold attempt
and every booking response, with client-side start/end times in epoch milliseconds.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# conflicts, declines and the waiting room's answers (a place in line, a full room) are outcomes, not failures;
# so are the per-client limits (429 rate_limited / seat_cap_reached, ADR 0021)
EXPECTED_STATUSES = frozenset({409, 402, 429})


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def is_failure(status: int) -> bool:
    """5xx and transport errors/timeouts (status 0) are failures; everything else is an outcome."""
    return status == 0 or status >= 500


@dataclass
class EndpointStats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)  # the API's X-Error-Code, e.g. seats_unavailable
    by_phase: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def summary(self, name: str, duration_s: float) -> dict[str, Any]:
        lat = sorted(self.latencies)
        phases = {}
        for phase, values in self.by_phase.items():
            v = sorted(values)
            phases[phase] = {
                "requests": len(v),
                "p50_ms": round(percentile(v, 0.50), 1),
                "p95_ms": round(percentile(v, 0.95), 1),
                "p99_ms": round(percentile(v, 0.99), 1),
            }
        return {
            "name": name,
            "requests": len(lat),
            "rps": round(len(lat) / duration_s, 1) if duration_s > 0 else 0.0,
            "p50_ms": round(percentile(lat, 0.50), 1),
            "p95_ms": round(percentile(lat, 0.95), 1),
            "p99_ms": round(percentile(lat, 0.99), 1),
            "status_counts": {str(k): v for k, v in sorted(self.statuses.items())},
            "error_codes": dict(sorted(self.error_codes.items())),
            "phases": phases,
        }

    def export(self) -> dict[str, Any]:
        """The raw numbers, to merge in another process (a Locust worker's, sent to its master)."""
        statuses = {str(k): v for k, v in self.statuses.items()}  # str keys: Locust's msgpack wants them
        return {
            "latencies": self.latencies,
            "statuses": statuses,
            "error_codes": dict(self.error_codes),
            "by_phase": dict(self.by_phase),
        }

    def absorb(self, raw: dict[str, Any]) -> None:
        self.latencies.extend(raw["latencies"])
        self.statuses.update({int(k): int(v) for k, v in raw["statuses"].items()})
        self.error_codes.update({str(k): int(v) for k, v in raw.get("error_codes", {}).items()})
        for phase, values in raw["by_phase"].items():
            self.by_phase[phase].extend(values)


@dataclass
class RoomStats:
    """The waiting room as the simulated people met it: who got in, who queued and for how long, who was refused."""

    admitted: int = 0  # hold attempts that reached the hold path (at once or after waiting)
    queued: int = 0  # of those attempts, the ones that got a place in line first
    rejected: int = 0  # refused (waiting_room_full) or gave up waiting
    waits: list[float] = field(default_factory=list)  # ms in line of each queued attempt that got in

    def summary(self, enabled: bool) -> dict[str, Any]:
        waits = sorted(self.waits)
        return {
            "enabled": enabled,
            "admitted": self.admitted,
            "queued": self.queued,
            "rejected": self.rejected,
            "wait_p50_ms": round(percentile(waits, 0.50), 1),
            "wait_p95_ms": round(percentile(waits, 0.95), 1),
        }

    def export(self) -> dict[str, Any]:
        return {"admitted": self.admitted, "queued": self.queued, "rejected": self.rejected, "waits": self.waits}

    def absorb(self, raw: dict[str, Any]) -> None:
        self.admitted += int(raw["admitted"])
        self.queued += int(raw["queued"])
        self.rejected += int(raw["rejected"])
        self.waits.extend(float(w) for w in raw["waits"])


class Recorder:
    """Collects request outcomes in the Locust process; writes the load log as it goes.

    keep_log: hold the log lines in memory instead (a distributed worker sends them to its master).
    """

    def __init__(self, log_path: Path | None = None, *, keep_log: bool = False) -> None:
        self.endpoints: dict[str, EndpointStats] = defaultdict(EndpointStats)
        self.total = EndpointStats()
        self.room = RoomStats()
        self._log: IO[str] | None = log_path.open("a", encoding="utf-8") if log_path else None
        self.kept: list[str] | None = [] if keep_log else None

    def request(self, name: str, status: int, elapsed_ms: float, phase: str, error_code: str | None = None) -> None:
        for stats in (self.endpoints[name], self.total):
            stats.latencies.append(elapsed_ms)
            stats.statuses[status] += 1
            stats.by_phase[phase].append(elapsed_ms)
            if error_code:
                stats.error_codes[error_code] += 1

    def log(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":")) + "\n"
        if self._log is not None:
            self._log.write(line)
        if self.kept is not None:
            self.kept.append(line)

    def write_lines(self, lines: list[str]) -> None:
        """Append another process's log lines (a worker's, on the master)."""
        if self._log is not None:
            self._log.writelines(lines)

    def export(self) -> dict[str, Any]:
        """Everything recorded, as plain data: per-endpoint numbers, the total and the kept log lines."""
        endpoints = {name: ep.export() for name, ep in self.endpoints.items()}
        return {
            "endpoints": endpoints,
            "total": self.total.export(),
            "room": self.room.export(),
            "log": self.kept or [],
        }

    def absorb(self, raw: dict[str, Any]) -> None:
        """Merge what another process's export() returned."""
        for name, ep in raw["endpoints"].items():
            self.endpoints[name].absorb(ep)
        self.total.absorb(raw["total"])
        if "room" in raw:
            self.room.absorb(raw["room"])
        self.write_lines(raw["log"])

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def summary(self, duration_s: float) -> list[dict[str, Any]]:
        return [self.endpoints[n].summary(n, duration_s) for n in sorted(self.endpoints)]


def read_log(path: Path) -> list[dict[str, Any]]:
    """The events of a load log (a missing file is an empty log); a torn last line is skipped."""
    if not path.exists():
        return []
    events: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the run was killed mid-write
    return events
