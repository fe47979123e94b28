"""How the running lab is doing: each service's health, queue depths and the table's seat/hold/booking counts.

Every probe has a 1 s timeout and snapshot() runs them side by side within what is left of a 3 s budget
from the command's start, so `labctl status --local` answers within about 3 s whatever a sidecar does: a
service that is alive but does not answer in time is "slow", not "down".
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from labctl.local.boto import boto_errors, local_client
from labctl.local.procs import alive, create_time
from labctl.local.state import LabState
from labctl.local.table_counts import SCAN_TIMEOUT_S, safe_counts

TIMEOUT_S = 1.0  # per probe
SNAPSHOT_DEADLINE_S = 2.0  # every probe, the counts and the queue depths, side by side
# From the command's start to its answer. Imports and boto3's loaders take 1-2 s on a busy machine, so the
# probes get what is left of it (never less than one probe's timeout and a little to print the answer).
ANSWER_BUDGET_S = 3.0
PRINT_MARGIN_S = 0.3
T = TypeVar("T")


@dataclass(frozen=True)
class Health:
    """One service's verdict: ok, and a word or two on why."""

    ok: bool
    detail: str


SLOW = Health(False, f"slow (no answer within {TIMEOUT_S:g} s)")


def http_status(url: str, timeout_s: float = TIMEOUT_S) -> int | None:
    """The status code of GET url, None when nothing answers."""
    try:
        return httpx.get(url, timeout=timeout_s).status_code
    except httpx.HTTPError:
        return None


@functools.cache
def _http() -> httpx.Client:
    """One client (one SSL context, one pool) for every probe of the process: building one per probe
    costs more than the probe on a busy machine."""
    return httpx.Client(timeout=TIMEOUT_S)


def _get(url: str) -> httpx.Response | Health:
    """GET url, or the verdict when it fails: slow (timed out) or not answering."""
    try:
        return _http().get(url)
    except httpx.TimeoutException:
        return SLOW
    except httpx.HTTPError:
        return Health(False, "not answering")


def probe_api(state: LabState, url: str | None = None) -> Health:
    """/readyz per dependency: all ready is healthy; a degraded one (the queues) is named with its reason."""
    res = _get((url or state.api_url) + "/readyz")
    if isinstance(res, Health):
        return res
    try:
        body = res.json()
    except ValueError:
        body = {}
    deps = body.get("dependencies") or body.get("error", {}).get("details", {}).get("dependencies") or {}
    sick = ", ".join(f"{n}: {d.get('reason', '?')}" for n, d in deps.items() if d.get("status") != "ready")
    if res.status_code == 200 and body.get("status") == "ready":
        return Health(True, "healthy")
    return Health(False, f"degraded ({sick or f'/readyz {res.status_code}'})")


def probe_dynamodb(state: LabState) -> Health:
    import botocore.exceptions as bce

    try:
        # the counts' client (one botocore client less to build: they cost ~0.3 s each on a busy machine);
        # its longer read timeout never shows, the snapshot's deadline cuts the probe first
        ddb = local_client("dynamodb", state.endpoints["dynamodb"], state.region, read_timeout=SCAN_TIMEOUT_S)
        tables = ddb.list_tables()["TableNames"]
    except (bce.ReadTimeoutError, bce.ConnectTimeoutError):
        return SLOW
    except boto_errors() as err:
        return Health(False, f"not answering ({type(err).__name__})")
    return Health(True, "healthy") if state.table_name in tables else Health(False, "table missing")


def probe_sqs(state: LabState) -> Health:
    """The queue service answers /health and still has every queue of the lab."""
    res = _get(state.endpoints["sqs"] + "/health")
    if isinstance(res, Health):
        return res
    have = int(res.json().get("queues", 0)) if res.status_code == 200 else 0
    if have < len(state.queues):
        return Health(False, f"degraded ({have} of {len(state.queues)} queues)")
    return Health(True, "healthy")


def probe_moto(state: LabState) -> Health:
    res = _get(state.endpoints["moto"] + "/moto-api/")
    if isinstance(res, Health):
        return res
    return Health(True, "healthy") if res.status_code == 200 else Health(False, f"answers {res.status_code}")


def frontdoor_state(state: LabState) -> dict[str, Any] | None:
    """The front door's /state (groups, weights, targets), None when it does not answer."""
    res = _get(state.frontdoor_admin_url + "/state") if state.frontdoor_admin_url else None
    if not isinstance(res, httpx.Response) or res.status_code != 200:
        return None
    doc: dict[str, Any] = res.json()
    return doc


def probe_frontdoor(state: LabState) -> Health:
    """Healthy when it answers and the colour that takes traffic has a target that passes its checks."""
    doc = frontdoor_state(state)
    if doc is None:
        return Health(False, "not answering (admin API)")
    serving = {c: p for c, p in doc["serving"].items() if p}
    share = ", ".join(f"{c} {p}%" for c, p in serving.items())
    sick = [c for c in serving if (doc["groups"][c]["target"] or {}).get("state") != "healthy"]
    if not serving:
        return Health(False, "no colour takes traffic")
    return Health(False, f"degraded ({', '.join(sick)} failing health checks)") if sick else Health(True, share)


def queue_depths(state: LabState) -> dict[str, dict[str, int]]:
    """Messages waiting and in flight per queue (and DLQ); empty when the queue service does not answer."""
    try:
        sqs = local_client("sqs", state.endpoints["sqs"], state.region)
        depths: dict[str, dict[str, int]] = {}
        for key, url in sorted(state.queues.items()):
            attrs = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            depths[key] = {
                "waiting": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
            }
    except boto_errors():
        return {}
    return depths


def verified_at_start(state: LabState) -> dict[str, Health]:
    """The verdicts of a lab whose supervisor has just reported ready (it waited for each check to pass)."""
    checks = {
        "api": "healthy (/readyz 200)",
        "frontdoor": "blue 100%",
        "worker": "healthy (polling)",
        "seed": "loading the other days",
    }
    return {name: Health(True, checks.get(name, "healthy")) for name in state.services}


PROBES: dict[str, Callable[[LabState], Health]] = {
    "frontdoor": probe_frontdoor,
    "dynamodb": probe_dynamodb,
    "sqs": probe_sqs,
    "moto": probe_moto,
}


def probe_one(state: LabState, name: str) -> Health:
    """Process alive first, then a real request where the service answers one."""
    rec = state.services[name]
    if not alive(rec.pid, rec.create_time):
        return Health(False, "down (process gone)")
    if name.startswith("api"):  # each colour on its own port, not through the door
        return probe_api(state, rec.url)
    check = PROBES.get(name)
    return check(state) if check else Health(True, "running")


def probe(state: LabState) -> dict[str, Health]:
    """Health of every supervised service, probed side by side."""
    jobs = {name: functools.partial(probe_one, state, name) for name in state.services}
    done = gather(jobs, SNAPSHOT_DEADLINE_S)
    return {name: done.get(name) or SLOW for name in state.services}


def gather(jobs: Mapping[str, Callable[[], T]], deadline_s: float) -> dict[str, T]:
    """Run every job on its own daemon thread; the results that came back within deadline_s.

    Daemon threads: a job still waiting on a stuck service never holds the command's exit.
    """
    results: dict[str, T] = {}

    def run(name: str, job: Callable[[], T]) -> None:
        results[name] = job()

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in jobs.items()]
    for t in threads:
        t.start()
    end = time.monotonic() + deadline_s
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    return dict(results)


@dataclass(frozen=True)
class Snapshot:
    health: dict[str, Health]
    counts: dict[str, dict[str, int]] | None
    depths: dict[str, dict[str, int]]
    late: tuple[str, ...] = ()  # what did not come back in time ("counts", "depths")
    frontdoor: dict[str, Any] | None = None  # its /state: which colour serves
    deadline_s: float = SNAPSHOT_DEADLINE_S  # what the probes were given
    seconds: float = 0.0  # what they took (at most the deadline)


def deadline_s(started_at: float, now: float) -> float:
    """What the answer budget leaves the probes of a command that started at `started_at`."""
    left = ANSWER_BUDGET_S - PRINT_MARGIN_S - (now - started_at)
    return max(TIMEOUT_S + 0.2, min(SNAPSHOT_DEADLINE_S, left))


def snapshot(state: LabState) -> Snapshot:
    """Every probe, the table counts and the queue depths at once, within the command's answer budget."""
    # the clients are made here, before the clock starts: botocore's loaders take seconds on a busy machine
    _http()
    local_client("dynamodb", state.endpoints["dynamodb"], state.region, read_timeout=SCAN_TIMEOUT_S)
    if "sqs" in state.endpoints:
        local_client("sqs", state.endpoints["sqs"], state.region)
    jobs: dict[str, Callable[[], Any]] = {f"probe:{n}": functools.partial(probe_one, state, n) for n in state.services}
    jobs |= {"counts": functools.partial(safe_counts, state), "depths": functools.partial(queue_depths, state)}
    jobs["frontdoor"] = functools.partial(frontdoor_state, state)
    t0 = time.time()
    given = deadline_s(create_time(os.getpid()) or t0, t0)
    done = gather(jobs, given)
    health = {n: done.get(f"probe:{n}") or SLOW for n in state.services}
    late = tuple(k for k in ("counts", "depths") if k not in done)
    took = time.time() - t0
    return Snapshot(health, done.get("counts"), done.get("depths") or {}, late, done.get("frontdoor"), given, took)
