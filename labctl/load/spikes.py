"""Back-to-back release-day spikes on the local lab, with the per-run counts that judge seat truth.

    python -m labctl.load.spikes --runs 10                 # on the running lab (`labctl up --local`)
    python -m labctl.load.spikes --runs 10 --fresh-lab     # start a lab first (the first spike then races
                                                         # its catalog top-up, as a new learner's does)

Each run is `labctl load spike --local --json` (300 users, 60 s by default: the learner's command).
Per run it prints the load average, the hold attempts and what became of them - refused (409
seats_unavailable), contended (503 seat_lock_contended: the seat locks stayed contended past the API's
retries), failed (other 5xx and timeouts) - and the violations of every invariant. The JSON of every
run goes to --out (one file); the exit status is 1 when any run broke an invariant.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from labctl.durations import LOAD_RUN, parse_duration
from labctl.load.report import HOLDS

LABCTL = [sys.executable, "-c", "from labctl.cli import main; main()"]
RUN_GRACE_S = 240  # catalog discovery, Locust's stop, the checker: a run longer than duration + this is stuck


def labctl(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run one labctl command (stdout: its --json document)."""
    return subprocess.run([*LABCTL, *args], capture_output=True, text=True, timeout=timeout_s, check=False)


def row(run: int, doc: dict[str, Any], load: tuple[float, float], wall_s: float) -> dict[str, Any]:
    """The per-run counts of one `labctl load spike --json` document."""
    outcomes = doc.get("outcomes", {})
    holds, bookings = outcomes.get("holds", {}), outcomes.get("bookings", {})
    hold_ep: dict[str, Any] = next((e for e in doc.get("endpoints", []) if e["name"] == HOLDS), {})
    return {
        "run": run,
        "load_before": round(load[0], 2),
        "load_after": round(load[1], 2),
        "wall_s": round(wall_s, 1),
        "hold_attempts": holds.get("attempts", 0),
        "holds_ok": holds.get("ok", 0),
        "refused": holds.get("refused", 0),
        "contended": holds.get("contended", 0) + bookings.get("contended", 0),
        "failed": holds.get("failed", 0) + bookings.get("failed", 0),
        "hold_p95_ms": hold_ep.get("p95_ms"),
        "violations": {i["name"]: i["violation_count"] for i in doc.get("invariants", [])},
        "out_dir": doc.get("out_dir"),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table: one line per run and a total line."""
    head = f"{'run':>3} {'load':>11} {'holds':>6} {'ok':>5} {'refused':>7} {'contended':>9} {'failed':>6} "
    head += f"{'p95 ms':>7} {'violations':>10}  broken invariants"
    out = [head]
    for r in rows:
        broken = ", ".join(f"{k} {v}" for k, v in r["violations"].items() if v) or "-"
        load = f"{r['load_before']:.1f}->{r['load_after']:.1f}"
        out.append(
            f"{r['run']:>3} {load:>11} {r['hold_attempts']:>6} {r['holds_ok']:>5} {r['refused']:>7} "
            f"{r['contended']:>9} {r['failed']:>6} {r['hold_p95_ms'] or 0:>7} {sum(r['violations'].values()):>10}  "
            f"{broken}"
        )
    keys = ("hold_attempts", "holds_ok", "refused", "contended", "failed")
    total = {k: sum(r[k] for r in rows) for k in keys}
    violations = sum(sum(r["violations"].values()) for r in rows)
    out.append(
        f"{'all':>3} {'':>11} {total['hold_attempts']:>6} {total['holds_ok']:>5} {total['refused']:>7} "
        f"{total['contended']:>9} {total['failed']:>6} {'':>7} {violations:>10}"
    )
    return "\n".join(out)


def spike(run: int, args: argparse.Namespace) -> dict[str, Any]:
    """One spike on the local lab; its row (a run that produced no report counts as an error row)."""
    out_dir = args.out.parent / f"{args.out.stem}-run{run}"
    argv = ["load", "spike", "--local", "--scenario", args.scenario, "--users", str(args.users)]
    argv += ["--duration", args.duration, "--json", "--out-dir", str(out_dir)]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    done = labctl(*argv, timeout_s=args.duration_s + RUN_GRACE_S)
    wall = time.monotonic() - started
    try:
        doc: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        return {"run": run, "error": (done.stderr or done.stdout).strip()[-500:], "violations": {}}
    if "error" in doc:
        return {"run": run, "error": doc["error"], "violations": {}}
    (out_dir / "report.json").write_text(json.dumps(doc, indent=1))  # every violation, with the API's log line
    return row(run, doc, (load_before, os.getloadavg()[0]), wall)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m labctl.load.spikes", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--duration", default="60s", help="per run, as labctl load spike takes it")
    p.add_argument("--scenario", default="spike", choices=("spike", "hot-seat", "steady"))
    p.add_argument("--fresh-lab", action="store_true", help="labctl up --local --detach first, down at the end")
    p.add_argument("--port", type=int, default=8080, help="with --fresh-lab: the lab's port")
    p.add_argument("--out", type=Path, default=Path(".labctl") / "spikes" / "spikes.json")
    args = p.parse_args(argv)
    args.duration_s = parse_duration(args.duration, LOAD_RUN).total_seconds()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh_lab:
        up = labctl("up", "--local", "--detach", "--port", str(args.port), "--ttl", "3h", "--json", timeout_s=300)
        if up.returncode != 0:
            print(up.stdout[-1500:] or up.stderr[-1500:], file=sys.stderr)
            return 2
    rows: list[dict[str, Any]] = []
    try:
        for run in range(1, args.runs + 1):
            rows.append(spike(run, args))
            print(json.dumps(rows[-1]), file=sys.stderr)
    finally:
        if args.fresh_lab:
            labctl("down", "--local", timeout_s=120)
    args.out.write_text(json.dumps({"command": sys.argv, "runs": rows}, indent=1))
    good = [r for r in rows if "error" not in r]
    print(table(good))
    for r in rows:
        if "error" in r:
            print(f"run {r['run']}: no report: {r['error']}")
    broken = any(sum(r["violations"].values()) for r in good)
    return 1 if broken or len(good) < len(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
