"""The table's seats, holds and bookings by status, as `labctl status --local` prints them."""

from __future__ import annotations

from collections import Counter
from typing import Any

from labctl.local.boto import boto_errors, local_client
from labctl.local.state import LabState

SCAN_TIMEOUT_S = 2.0  # the status snapshot's deadline: a page that takes longer is late anyway


def counts(state: LabState) -> dict[str, dict[str, int]]:
    """Seats by status, holds by status, bookings: one Scan projecting only `type` and `status`.

    A Scan reads the whole table: fine for a local lab's few thousand items, never for production.
    """
    ddb = local_client("dynamodb", state.endpoints["dynamodb"], state.region, read_timeout=SCAN_TIMEOUT_S)
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
    except boto_errors():
        return None
