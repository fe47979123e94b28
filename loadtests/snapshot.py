"""The stored state the invariant checker reads: seats, holds, bookings, idempotency keys.

`read_table` scans the single table with boto3 (low-level items, parsed by hand: a bench leaves
tens of thousands of items and the TypeDeserializer is slow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

PROJECTION = "PK, SK, #ty, #st, #state, id, show_id, hold_id, booking_id, seat_ids, created_at, expires_at, released_at"
NAMES = {"#ty": "type", "#st": "status", "#state": "state"}


@dataclass(frozen=True)
class SeatRow:
    show_id: str
    seat_id: str
    status: str
    hold_id: str | None = None
    booking_id: str | None = None


@dataclass(frozen=True)
class HoldRow:
    id: str
    show_id: str
    seat_ids: tuple[str, ...]
    created_ms: int
    expires_ms: int
    status: str = "active"
    released_ms: int = 0  # when a release or the expiry worker marked it released (0: not released)

    @property
    def live_until_ms(self) -> int:
        """The hold stops covering its seats at its expiry, or earlier when it was released."""
        return min(self.expires_ms, self.released_ms) if self.released_ms else self.expires_ms


@dataclass(frozen=True)
class BookingRow:
    id: str
    show_id: str
    hold_id: str
    seat_ids: tuple[str, ...]
    created_ms: int


@dataclass(frozen=True)
class IdemRow:
    key: str
    state: str
    booking_id: str | None = None


@dataclass
class Snapshot:
    seats: dict[tuple[str, str], SeatRow] = field(default_factory=dict)
    holds: list[HoldRow] = field(default_factory=list)
    bookings: list[BookingRow] = field(default_factory=list)
    idem: list[IdemRow] = field(default_factory=list)

    def add_item(self, it: dict[str, Any]) -> None:
        """Sort one low-level DynamoDB item into the snapshot (other item types are ignored)."""
        pk, sk = it["PK"]["S"], it["SK"]["S"]
        if pk.startswith("SHOW#") and sk.startswith("SEAT#"):
            self.seats[(pk[5:], sk[5:])] = SeatRow(
                pk[5:], sk[5:], _s(it, "status") or "", _s(it, "hold_id"), _s(it, "booking_id")
            )
        elif pk.startswith("HOLD#") and sk == "META":
            self.holds.append(
                HoldRow(
                    pk[5:],
                    _s(it, "show_id") or "",
                    _list(it),
                    _n(it, "created_at"),
                    _n(it, "expires_at"),
                    _s(it, "status") or "",
                    _n(it, "released_at"),
                )
            )
        elif pk.startswith("BOOKING#") and sk == "META":
            self.bookings.append(
                BookingRow(pk[8:], _s(it, "show_id") or "", _s(it, "hold_id") or "", _list(it), _n(it, "created_at"))
            )
        elif pk.startswith("IDEM#") and sk == "META":
            self.idem.append(IdemRow(pk[5:], _s(it, "state") or "", _s(it, "booking_id")))


def _s(it: dict[str, Any], name: str) -> str | None:
    v = it.get(name)
    return str(v["S"]) if v and "S" in v else None


def _n(it: dict[str, Any], name: str) -> int:
    v = it.get(name)
    return int(v["N"]) if v and "N" in v else 0


def _list(it: dict[str, Any]) -> tuple[str, ...]:
    v = it.get("seat_ids")
    return tuple(x["S"] for x in v["L"]) if v and "L" in v else ()


def read_table(
    table: str, *, endpoint_url: str | None = None, region: str = "us-east-1", segments: int = 1
) -> Snapshot:
    """Scan the whole table (parallel segments, consistent reads) into a Snapshot."""
    import boto3

    # DynamoDB Local takes any credentials; without any in the environment boto3 would refuse to sign.
    key = "local" if endpoint_url and not os.environ.get("AWS_ACCESS_KEY_ID") else None
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=key, aws_secret_access_key=key
    )
    snap = Snapshot()
    for segment in range(segments):
        kwargs: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": PROJECTION,
            "ExpressionAttributeNames": NAMES,
            "ConsistentRead": True,
            "Segment": segment,
            "TotalSegments": segments,
        }
        while True:
            page = client.scan(**kwargs)
            for item in page.get("Items", []):
                snap.add_item(item)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return snap
