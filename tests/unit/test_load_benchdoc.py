"""The bench's Markdown: ratios against the baseline, CPU cost per request, the docs section swap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.benchdoc import BEGIN, END, render, write_docs


def _run(name: str, rps: float, p95: float, holds_p95: float, api_cpu: float, requests: int) -> dict[str, Any]:
    return {
        "name": name,
        "users": 100,
        "duration_s": 50.0,
        "requests": requests,
        "rps": rps,
        "p95_ms": p95,
        "holds": {
            "requests": 10,
            "rps": 0.2,
            "p50_ms": 1.0,
            "p95_ms": holds_p95,
            "p99_ms": 3.0,
            "status_counts": {"201": 7, "409": 3},
        },
        "holds_peak": {"p95_ms": holds_p95},
        "five_xx": 0,
        "timeouts": 0,
        "cpu": {"api": {"mean": api_cpu, "max": 90.0}},
        "loadavg_before": [1.0],
        "loadavg_after": [1.5],
        "invariants": [{"name": "no_seat_booked_twice", "ok": name != "hot-seat-unsafe", "violation_count": 2}],
    }


RESULT = {
    "machine": {"date": "2026-11-25 11:00 UTC", "cpus": 2, "cpu_model": "x", "os": "Linux", "python": "3.11"},
    "api_workers": 1,
    "command": "make bench",
    "runs": [
        _run("baseline", 200.0, 10.0, 0.0, 20.0, 10_000),
        _run("spike", 100.0, 50.0, 30.0, 80.0, 5_000),
        _run("hot-seat-unsafe", 10.0, 90.0, 80.0, 10.0, 500),
    ],
}


def test_ratios_and_cpu_cost_per_request_are_computed() -> None:
    text = render(RESULT)
    assert "| p95 ms | 10.0 | 50.0 | 5.0x | 30.0 | 3.0x |" in text
    assert "| req/s | 200.0 | 100.0 | 0.50x | | |" in text
    # spike: 80% of a core for 50 s over 5,000 requests = 8 ms of API CPU each -> 125 req/s per core
    assert "| spike | 8.00 | api | 125 |" in text
    assert "no_seat_booked_twice: 2" in text


def test_write_docs_replaces_only_the_generated_section(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\nintro\n\n{BEGIN}\nold numbers\n{END}\n\n## Reading\nkept\n")
    write_docs(RESULT, docs)
    text = docs.read_text()
    assert "old numbers" not in text
    assert text.startswith("# Benchmarks\nintro\n")
    assert text.rstrip().endswith("## Reading\nkept")
    assert text.count(BEGIN) == 1


def test_spike_peaks_are_summarised_over_the_spike_runs_only() -> None:
    runs = [
        _run("spike", 100.0, 50.0, 420.0, 80.0, 5_000),
        _run("spike-lab", 100.0, 50.0, 2000.0, 80.0, 5_000),
        _run("spike-2", 100.0, 50.0, 250.0, 80.0, 5_000),
        _run("spike-3", 100.0, 50.0, 280.0, 80.0, 5_000),
    ]
    text = render({**RESULT, "runs": runs})
    assert "over 3 spike run(s): 250.0 ms, 280.0 ms, 420.0 ms (median 280.0 ms; target < 300 ms: met in 2 of 3)" in text
