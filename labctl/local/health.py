"""How the running lab is doing: each service's health, queue depths and the table's seat/hold/booking counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from labctl.local.procs import alive
from labctl.local.services import DUMMY_CREDENTIAL
from labctl.local.state import LabState

TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Health:
    """One service's verdict: ok, and a word or two on why."""

    ok: bool
    detail: str


def http_status(url: str, timeout_s: float = TIMEOUT_S) -> int | None:
    """The status code of GET url, None when nothing answers."""
    try:
        return httpx.get(url, timeout=timeout_s).status_code
    except httpx.HTTPError:
        return None


def _client(service: str, endpoint: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIAL,
        aws_secret_access_key=DUMMY_CREDENTIAL,
        config=Config(retries={"max_attempts": 1}, connect_timeout=TIMEOUT_S, read_timeout=10),
    )


def _botocore_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def probe_api(state: LabState) -> Health:
    """/readyz answers 200 (the API and its DynamoDB path are up); /healthz alone means degraded."""
    ready = http_status(state.api_url + "/readyz")
    if ready == 200:
        return Health(True, "healthy")
    live = http_status(state.api_url + "/healthz")
    if live == 200:
        return Health(False, f"degraded (/readyz {ready})")
    return Health(False, "not answering")


def probe_dynamodb(state: LabState) -> Health:
    try:
        tables = _client("dynamodb", state.endpoints["dynamodb"], state.region).list_tables()["TableNames"]
    except _botocore_errors() as err:
        return Health(False, f"not answering ({type(err).__name__})")
    return Health(True, "healthy") if state.table_name in tables else Health(False, "table missing")


def queue_depths(state: LabState) -> dict[str, dict[str, int]]:
    """Messages waiting and in flight per queue (and DLQ); empty when moto does not answer."""
    try:
        sqs = _client("sqs", state.endpoints["sqs"], state.region)
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
    except _botocore_errors():
        return {}
    return depths


def verified_at_start(state: LabState) -> dict[str, Health]:
    """The verdicts of a lab whose supervisor has just reported ready (it waited for each check to pass)."""
    checks = {"api": "healthy (/readyz 200)", "worker": "healthy (polling)", "seed": "loading the other days"}
    return {name: Health(True, checks.get(name, "healthy")) for name in state.services}


def probe(state: LabState) -> dict[str, Health]:
    """Health of every supervised service: process alive first, then a real request where there is one."""
    out: dict[str, Health] = {}
    for name, rec in state.services.items():
        if not alive(rec.pid, rec.create_time):
            out[name] = Health(False, "down (process gone)")
        elif name == "api":
            out[name] = probe_api(state)
        elif name == "dynamodb":
            out[name] = probe_dynamodb(state)
        elif name == "moto":
            code = http_status(state.endpoints["moto"] + "/moto-api/")
            out[name] = Health(True, "healthy") if code == 200 else Health(False, "not answering")
        else:
            out[name] = Health(True, "running")
    return out


def counts(state: LabState) -> dict[str, dict[str, int]]:
    """Seats by status, holds by status, bookings: one Scan projecting only `type` and `status`.

    A Scan reads the whole table: fine for a local lab's few thousand items, never for production.
    """
    ddb = _client("dynamodb", state.endpoints["dynamodb"], state.region)
    tally: Counter[tuple[str, str]] = Counter()
    kwargs: dict[str, Any] = {
        "TableName": state.table_name,
        "ProjectionExpression": "#t, #s",
        "ExpressionAttributeNames": {"#t": "type", "#s": "status"},
    }
    while True:
        page = ddb.scan(**kwargs)
        for item in page["Items"]:
            tally[(item.get("type", {}).get("S", "?"), item.get("status", {}).get("S", ""))] += 1
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return summarize(tally)


def summarize(tally: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Fold (type, status) counts into the shape status prints."""
    seats = {"available": 0, "held": 0, "booked": 0}
    holds: dict[str, int] = {"total": 0}
    bookings: dict[str, int] = {"total": 0}
    catalog = {"movies": 0, "shows": 0}
    for (kind, status), n in tally.items():
        if kind == "seat":
            seats[status] = seats.get(status, 0) + n
        elif kind == "hold":
            holds["total"] += n
            holds[status] = holds.get(status, 0) + n
        elif kind == "booking":
            bookings["total"] += n
        elif kind in ("movie", "show"):
            catalog[kind + "s"] += n
    return {"seats": seats, "holds": holds, "bookings": bookings, "catalog": catalog}


def safe_counts(state: LabState) -> dict[str, dict[str, int]] | None:
    """counts(), or None when DynamoDB Local does not answer (status still shows the rest)."""
    try:
        return counts(state)
    except _botocore_errors():
        return None
