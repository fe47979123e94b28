"""`make bench-queue`: the local lab's queue targets, measured on a real lab (`labctl up --local --detach`).

  loop   one client holds a seat and releases it, at full speed, for --loop-s seconds; then every hold's
         expiry message must reach the hold-expiry handler (dropped = holds whose expiry never arrived)
  cpu    the queue service's CPU over the loop and the drain, per hold (target <= 0.5 ms)
  idle   --idle-messages delayed messages on the hold-expiry queue, nobody booking: the whole lab's CPU
         over --idle-s seconds (every supervised process and the supervisor; target < 3% of one core)

The lab runs in a temporary LABCTL_HOME on free ports, so a lab you have running is not disturbed.
Prints one JSON document (also written to --json-out); exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psutil

from labctl.local.boto import local_client
from labctl.local.ports import free_port
from labctl.paths import REPO_ROOT
from loadtests import harness
from loadtests.cpu import cpu_seconds, machine

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

LABCTL = [str(Path(sys.executable).with_name("labctl"))]
TARGET_CPU_MS_PER_HOLD = 0.5
TARGET_IDLE_PCT = 3.0


def start_lab(home: Path, port: int, hold_ttl: int, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """`labctl up --local --detach` in its own LABCTL_HOME (extra_env: more API settings); its state document."""
    argv = [*LABCTL, "up", "--local", "--detach", "--port", str(port), "--hold-ttl", str(hold_ttl), "--ttl", "30m"]
    env = _env(home) | (extra_env or {})
    done = subprocess.run([*argv, "--json"], env=env, cwd=REPO_ROOT, capture_output=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"labctl up failed: {done.stderr.decode(errors='replace')[-2000:]}")
    state: dict[str, Any] = json.loads((home / "local" / "state.json").read_text())
    return state


def wait_for_catalog(home: Path, timeout_s: float) -> None:
    """Until the background catalog top-up has finished (it writes seats while it runs)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = json.loads((home / "local" / "state.json").read_text())
        if state["catalog"].get("status") != "loading":
            return
        time.sleep(1.0)


def stop_lab(home: Path) -> None:
    subprocess.run([*LABCTL, "down", "--local"], env=_env(home), cwd=REPO_ROOT, capture_output=True, timeout=120)


def _env(home: Path) -> dict[str, str]:
    # The loop is one client holding at full speed on purpose: the per-client hold rate (ADR 0021) is lifted.
    return {**os.environ, "LABCTL_HOME": str(home), "HOLD_RATE_BURST": "100000", "HOLD_RATE_PER_S": "100000"}


def lab_pids(state: dict[str, Any]) -> dict[str, int]:
    """The lab's long-lived processes by name (the catalog top-up, which ends, is left out)."""
    return {n: s["pid"] for n, s in state["services"].items() if n != "seed"}


def lab_cpu(state: dict[str, Any]) -> dict[str, float]:
    """CPU seconds so far of each lab process (with its children) and of the supervisor alone (its children
    are the other entries)."""
    own = psutil.Process(state["supervisor_pid"]).cpu_times()
    return {"supervisor": own.user + own.system} | {n: cpu_seconds(p) for n, p in lab_pids(state).items()}


def hold_release_loop(api: str, seconds: float) -> dict[str, Any]:
    """One client, one request at a time: hold a seat, release it; the hold ids created."""
    with httpx.Client(base_url=api, timeout=10) as http:
        movie = http.get("/api/movies").json()["items"][0]["id"]
        show = http.get(f"/api/movies/{movie}/shows").json()["items"][0]["id"]
        seats = [s["id"] for s in http.get(f"/api/shows/{show}/seats").json()["seats"] if s["status"] == "available"]
        holds: list[str] = []
        errors: dict[str, int] = {}
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < seconds:
            seat = seats[i % min(len(seats), 20)]
            i += 1
            res = http.post(f"/api/shows/{show}/holds", json={"seat_ids": [seat]})
            if res.status_code != 201:
                errors[str(res.status_code)] = errors.get(str(res.status_code), 0) + 1
                continue
            holds.append(res.json()["hold_id"])
            auth = {"Authorization": f"Bearer {res.json()['hold_token']}"}
            gone = http.delete(f"/api/holds/{holds[-1]}", headers=auth)
            if gone.status_code != 204:
                errors[f"release {gone.status_code}"] = errors.get(f"release {gone.status_code}", 0) + 1
        elapsed = time.monotonic() - t0
    return {"seconds": round(elapsed, 1), "holds": holds, "rate": round(len(holds) / elapsed, 1), "errors": errors}


def expired_hold_ids(worker_log: Path) -> set[str]:
    """Hold ids the hold-expiry handler logged an outcome for (expired, noop or rescheduled)."""
    seen: set[str] = set()
    for line in worker_log.read_text(errors="replace").splitlines():
        if '"hold_expiry"' in line and line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("message") == "hold_expiry" and doc.get("hold_id"):
                seen.add(str(doc["hold_id"]))
    return seen


def wait_for_expiry(worker_log: Path, holds: set[str], timeout_s: float) -> set[str]:
    """Wait until every hold's expiry message was handled, or the timeout; the ones that never came."""
    deadline = time.monotonic() + timeout_s
    missing = holds
    while time.monotonic() < deadline:
        missing = holds - expired_hold_ids(worker_log)
        if not missing:
            break
        time.sleep(1.0)
    return missing


def fill_delayed(sqs_endpoint: str, queue_url: str, count: int, region: str) -> None:
    """count hold-expiry-shaped messages, each delayed 900 s (the SQS maximum), ten per SendMessageBatch."""
    sqs = local_client("sqs", sqs_endpoint, region, read_timeout=60, connect_timeout=60)
    for i in range(0, count, 10):
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {
                "Id": str(n),
                "MessageBody": json.dumps({"type": "hold_expiry", "hold_id": f"hold-idle-{i + n}", "show_id": "x"}),
                "DelaySeconds": 900,
            }
            for n in range(min(10, count - i))
        ]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def idle_cpu(state: dict[str, Any], seconds: float) -> dict[str, Any]:
    """CPU of each lab process over `seconds` of idling, as % of one core, and their sum."""
    before = lab_cpu(state)
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    pct = {n: round((t - before[n]) * 100 / elapsed, 2) for n, t in lab_cpu(state).items()}
    return {"seconds": round(elapsed, 1), "by_process_pct": pct, "lab_pct_of_one_core": round(sum(pct.values()), 2)}


def run(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    load_before = os.getloadavg()
    state = start_lab(home, args.port or free_port(), args.hold_ttl)
    logs = Path(state["log_dir"])
    try:
        wait_for_catalog(home, timeout_s=300)
        time.sleep(args.settle_s)  # the first sweeps and the JIT's warm-up are not measured
        cpu0 = lab_cpu(state)
        loop = hold_release_loop(state["api_url"], args.loop_s)
        holds = set(loop.pop("holds"))
        missing = wait_for_expiry(logs / "worker.log", holds, args.hold_ttl + args.drain_s)
        cpu_ms = {n: round((t - cpu0[n]) * 1000 / max(1, len(holds)), 3) for n, t in lab_cpu(state).items()}
        failures = (logs / "api.log").read_text(errors="replace").count("hold_expiry_schedule_failed")
        fill_delayed(state["endpoints"]["sqs"], state["queues"]["hold_expiry"], args.idle_messages, state["region"])
        time.sleep(args.settle_s)
        idle = idle_cpu(state, args.idle_s) | {"delayed_messages": args.idle_messages}
    finally:
        stop_lab(home)
    result = {
        "machine": machine(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "loop": loop | {"holds": len(holds), "dropped_expiry_messages": len(missing), "schedule_failures": failures},
        "cpu_ms_per_hold": cpu_ms,
        "queue_cpu_ms_per_hold": cpu_ms["sqs"],
        "idle": idle,
    }
    result["targets"] = {
        "no_expiry_message_dropped": len(missing) == 0 and len(holds) > 0,
        f"queue_cpu_per_hold_at_most_{TARGET_CPU_MS_PER_HOLD}_ms": cpu_ms["sqs"] <= TARGET_CPU_MS_PER_HOLD,
        f"idle_lab_below_{TARGET_IDLE_PCT}_pct": idle["lab_pct_of_one_core"] < TARGET_IDLE_PCT,
    }
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m labctl.local.sqs.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--loop-s", type=float, default=60, help="length of the hold/release loop")
    p.add_argument("--hold-ttl", type=int, default=10, help="the lab's hold TTL (expiry messages come after it)")
    p.add_argument("--drain-s", type=float, default=60, help="extra wait for the last expiry messages")
    p.add_argument("--idle-messages", type=int, default=5000)
    p.add_argument("--idle-s", type=float, default=60)
    p.add_argument("--settle-s", type=float, default=10)
    p.add_argument("--port", type=int, default=0, help="the lab's API port (default: a free one)")
    p.add_argument("--json-out", type=Path, default=REPO_ROOT / "loadtests" / "results" / "queue-bench-latest.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result = harness.in_workdir("labctl-queue-bench-", lambda workdir: run(args, workdir))
    harness.save(args.json_out, result)
    print(json.dumps(result, indent=1))
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
