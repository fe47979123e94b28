"""Compare SQS-compatible servers by the server's own CPU (the numbers behind ADR 0015).

    python -m labctl.local.sqs.compare [--messages 1000] [--backlog 5000] [--server NAME=COMMAND ...]

Per server, with one boto3 client on 127.0.0.1: CPU ms per message to send (batches of ten) and to
receive + delete (batches of ten), on an empty queue and again with --backlog messages delayed 900 s on it
(the quadratic case), then %CPU while two long polls wait over that backlog for --idle-s seconds.
Built in: `labctl` (the lab's queue service) and `moto`; others by command, `{port}` standing for the port,
e.g. --server "fauxqs=node run-fauxqs.mjs {port}". A server slower than --budget-s per phase is cut short.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from labctl.local.boto import local_client
from labctl.local.ports import free_port, wait_for_port
from loadtests.cpu import cpu_seconds, machine

BUILT_IN = {
    "labctl": f"{sys.executable} -m labctl.local.sqs.server --port {{port}}",
    "moto": f"{sys.executable} -m moto.server -H 127.0.0.1 -p {{port}}",
}


def _client(url: str) -> Any:
    return local_client("sqs", url, "us-east-1", read_timeout=60, connect_timeout=60)


def _send(sqs: Any, url: str, n: int, delay: int, budget_s: float) -> int:
    body = json.dumps({"type": "hold_expiry", "hold_id": "h" * 24, "show_id": "s" * 24})
    attrs = {"type": {"DataType": "String", "StringValue": "hold_expiry"}}
    end, sent = time.monotonic() + budget_s, 0
    while sent < n and time.monotonic() < end:
        entries = [
            {"Id": str(j), "MessageBody": body, "DelaySeconds": delay, "MessageAttributes": attrs} for j in range(10)
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
        sent += 10
    return sent


def _drain(sqs: Any, url: str, n: int, budget_s: float) -> int:
    end, got = time.monotonic() + budget_s, 0
    while got < n and time.monotonic() < end:
        res = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
        )
        batch = res.get("Messages", [])
        if not batch:
            break
        got += len(batch)
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    return got


def _phase(pid: int, work: Any, *args: Any) -> tuple[int, float]:
    """(messages handled, server CPU ms per message) of work(*args)."""
    c0 = cpu_seconds(pid)
    done = int(work(*args))
    return done, round((cpu_seconds(pid) - c0) * 1000 / max(1, done), 3)


def measure(name: str, command: str, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    port = free_port()
    argv = command.format(port=port).split()
    with (logs / f"{name}.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not wait_for_port(port, 60):
            return {"name": name, "error": "did not start"}
        base = f"http://127.0.0.1:{port}"
        sqs = _client(base)
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "180"})["QueueUrl"]
        other = sqs.create_queue(QueueName="other")["QueueUrl"]
        n, budget = args.messages, args.budget_s
        out: dict[str, Any] = {"name": name, "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
        for label, backlog in (("empty", 0), (f"backlog_{args.backlog}", args.backlog)):
            if backlog:
                out["delayed_sent"], out["send_delayed_ms"] = _phase(proc.pid, _send, sqs, url, backlog, 900, budget)
            sent, send_ms = _phase(proc.pid, _send, sqs, url, n, 0, budget)
            got, recv_ms = _phase(proc.pid, _drain, sqs, url, sent, budget)
            out[label] = {"sent": sent, "send_ms": send_ms, "received": got, "receive_delete_ms": recv_ms}
        out["idle_pct"] = _idle(proc.pid, base, (url, other), args.idle_s)
        out["rss_mb"] = round(psutil.Process(proc.pid).memory_info().rss / 2**20, 1)
        out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        return out
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def _idle(pid: int, base: str, urls: tuple[str, str], seconds: float) -> float:
    """%CPU of the server while one long poll per queue waits (as the lab's worker does)."""
    stop = threading.Event()

    def poll(url: str) -> None:
        sqs = _client(base)
        while not stop.is_set():
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=min(20, int(seconds)))

    threads = [threading.Thread(target=poll, args=(u,), daemon=True) for u in urls]
    for t in threads:
        t.start()
    time.sleep(2)
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    stop.set()
    return round((cpu_seconds(pid) - c0) * 100 / (time.monotonic() - t0), 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m labctl.local.sqs.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--backlog", type=int, default=5000)
    p.add_argument("--idle-s", type=float, default=30)
    p.add_argument("--budget-s", type=float, default=120, help="cut a phase short after this long")
    p.add_argument("--server", action="append", default=[], metavar="NAME=COMMAND")
    p.add_argument("--only", action="append", default=[], help="built-in servers to run (default: both)")
    a = p.parse_args(argv)
    servers = {k: v for k, v in BUILT_IN.items() if not a.only or k in a.only}
    servers |= dict(s.split("=", 1) for s in a.server)
    with tempfile.TemporaryDirectory(prefix="labctl-queue-compare-") as tmp:
        results = [measure(name, cmd, a, Path(tmp)) for name, cmd in servers.items()]
    print(json.dumps({"machine": machine(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
