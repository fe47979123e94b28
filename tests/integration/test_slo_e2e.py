"""End to end: the real API (uvicorn, DynamoDB Local) with the EMF observer, the local EMF shipper to
moto's CloudWatch, traffic with declined payments and a burst of injected 5xx, then `slo report`.

Bounded: two short-lived API processes, ~90 requests, the shipper's poll loop; well under 60 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import httpx
import pytest
from typer.testing import CliRunner

from api.bootstrap import seed_catalog
from api.settings import Settings
from labctl.commands.slo import app as slo_app
from labctl.local.ports import free_port, wait_for_port

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-3"  # this test's own CloudWatch backend on the shared moto server
CUSTOMER = {"name": "Ada", "email": "ada@example.com"}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@contextmanager
def apis(envs: list[dict[str, str]], logs: list[Path]) -> Iterator[list[str]]:
    """API processes with the EMF observer (create_app wires it by default), started together; stdout in logs."""
    procs, urls = [], []
    try:
        for env, log_path in zip(envs, logs, strict=True):
            port = free_port()
            full_env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", **env}
            with log_path.open("wb") as log:
                cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.http.app:create_app"]
                cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
                procs.append(subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT))
            urls.append(f"http://127.0.0.1:{port}")
        for url, log_path in zip(urls, logs, strict=True):
            assert wait_for_port(int(url.rsplit(":", 1)[1]), 45), log_path.read_text()[-2000:]
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


def _traffic(base: str) -> dict[str, int]:
    """Holds and bookings: 20 confirmed, 5 declined, 1 hold conflict. Returns what was sent."""
    sent = {"requests": 0, "confirmed": 0, "declined": 0}
    with httpx.Client(base_url=base, timeout=10) as c:
        movie = c.get("/api/movies").json()["items"][0]["id"]
        today = datetime.now(UTC).date().isoformat()
        show = c.get(f"/api/movies/{movie}/shows", params={"date": today}).json()["items"][0]["id"]
        sent["requests"] += 2
        for i in range(25):
            c.cookies.clear()  # each booking its own customer (the per-client limits count per cookie):
            c.get("/api/movies")  # a new customer's first answer hands it its cookie
            sent["requests"] += 1
            seat = f"{'ABCDE'[i // 5]}{i % 5 + 1}"
            hold = c.post(f"/api/shows/{show}/holds", json={"seat_ids": [seat]})
            assert hold.status_code == 201, hold.text
            token = "tok_chargeDeclined" if i % 5 == 0 else "tok_visa"
            body = {"hold_id": hold.json()["hold_id"], "customer": CUSTOMER, "payment": {"token": token}}
            auth = {"Authorization": f"Bearer {hold.json()['hold_token']}"}
            r = c.post("/api/bookings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex} | auth)
            assert r.status_code == (402 if token == "tok_chargeDeclined" else 201), r.text
            sent["declined" if r.status_code == 402 else "confirmed"] += 1
            sent["requests"] += 2
        assert c.post(f"/api/shows/{show}/holds", json={"seat_ids": ["B1"]}).status_code == 409
        sent["requests"] += 1
    return sent


def _fault_burst(base: str) -> int:
    """FAULT_5XX_RATE=1: every API request is a 503 injected_fault (30 reads, 5 booking attempts)."""
    with httpx.Client(base_url=base, timeout=10) as c:
        codes = [c.get("/api/shows/sh-any/seats").status_code for _ in range(30)]
        codes += [c.post("/api/bookings", json={}).status_code for _ in range(5)]
    assert set(codes) == {503}
    return len(codes)


def test_report_after_load_shows_declines_and_the_5xx_burst(
    dynamodb_local: str, moto_server: str, tmp_path: Path
) -> None:
    table = f"slo-{uuid.uuid4().hex[:8]}"
    target = Settings(dynamodb_endpoint_url=dynamodb_local, table_name=table)
    asyncio.run(seed_catalog(target, days=1, create_table=True))
    env = {"STORE": "dynamodb", "TABLE_NAME": table, "DYNAMODB_ENDPOINT_URL": dynamodb_local,
           "AWS_REGION": "us-east-1", "LOG_LEVEL": "INFO", "PAYMENT_SLOW_DELAY_MS": "0"}  # fmt: skip
    healthy_log, faulty_log = tmp_path / "api.log", tmp_path / "api-faulty.log"
    healthy_log.touch()
    faulty_log.touch()
    started = datetime.now(UTC) - timedelta(seconds=1)
    shipper = subprocess.Popen(
        [sys.executable, "-m", "labctl.local.emf_shipper", "--endpoint-url", moto_server, "--region", REGION,
         "--file", str(healthy_log), "--file", str(faulty_log), "--interval", "0.2",
         "--log-group", "/labctl/local/api"],
        cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with apis([env, {**env, "FAULT_5XX_RATE": "1.0"}], [healthy_log, faulty_log]) as (healthy, faulty):
            sent = _traffic(healthy)
            burst = _fault_burst(faulty)
    finally:
        shipper.send_signal(signal.SIGTERM)
        _, err = shipper.communicate(timeout=20)
    traffic_done = datetime.now(UTC)
    summary = json.loads(err.strip().splitlines()[-1])
    total = sent["requests"] + burst
    assert summary["lines"] == total  # one EMF line per API request, every one shipped
    assert summary["unshipped_lines"] == 0

    result = CliRunner().invoke(
        slo_app,
        ["report", "--endpoint-url", moto_server, "--region", REGION, "--since", started.isoformat(), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # the queried range is whole minutes around every datapoint: the burst of the last second included
    start, end = datetime.fromisoformat(report["start"]), datetime.fromisoformat(report["end"])
    assert start <= started
    assert end > traffic_done
    assert (start.second, start.microsecond, end.second, end.microsecond) == (0, 0, 0, 0)
    assert report["latency_p95_ms"] is None  # moto computes no percentiles: n/a, not a failed report
    slos = {s["name"]: s for s in report["slos"]}
    availability, booking, latency = slos["availability"], slos["booking_success"], slos["latency"]
    assert (availability["total"], availability["bad"]) == (total, burst)
    assert availability["status"] == "thin_data"  # < 1000 requests for a 99.9% objective: said, not hidden
    assert availability["burn_rates"]["5m"] == pytest.approx(burst / total / 0.001, rel=1e-6)
    # 20 confirmed of 30 attempts on a valid hold: 5 declined + 5 injected 5xx
    assert (booking["good"], booking["total"]) == (sent["confirmed"], sent["confirmed"] + sent["declined"] + 5)
    assert booking["budget_consumed"] == 10
    assert booking["budget_remaining_ratio"] == pytest.approx(1 - 10 / (0.01 * 30))
    assert "page: 14.4x over 1h and 5m" in booking["alerts"]
    assert latency["total"] == total
    assert 0 <= latency["good"] <= total

    logs = boto3.client("logs", endpoint_url=moto_server, region_name=REGION)
    streams = logs.describe_log_streams(logGroupName="/labctl/local/api")["logStreams"]
    assert {s["logStreamName"] for s in streams} == {"api", "api-faulty"}
