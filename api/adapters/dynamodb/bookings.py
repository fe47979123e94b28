"""BookingStore on DynamoDB: idempotency claims, the booking transaction (with its outbox event), notices."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import orjson

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import DynamoError
from api.adapters.dynamodb.contention import CONDITION_FAILED, RetryPolicy, transact_retrying
from api.adapters.dynamodb.table import CONDITION_FAILED as CONDITION_FAILED_EXC
from api.adapters.dynamodb.table import Table
from api.domain.errors import HoldAlreadyBooked, HoldExpired, HoldReleased, SeatLockContended
from api.domain.model import Booking, HoldStatus, Notice
from api.service.ports import (
    BookingCommit,
    IdempotencyInProgress,
    IdempotencyMismatch,
    IdempotencyOutcome,
    IdempotencyReplay,
    IdempotencyStarted,
)
from api.service.views import BookingView, CustomerView, NotificationView

# A key is claimable when new, or when a request with the same body crashed and its lock ran out.
IDEM_CLAIMABLE = "attribute_not_exists(PK) OR (#s = :prog AND locked_until < :now AND request_hash = :h)"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
OUTBOX_TTL_SECONDS = 7 * 24 * 3600


class DynamoBookings:
    def __init__(self, table: Table, *, unsafe: bool = False, retry: RetryPolicy | None = None) -> None:
        self._t = table
        self._unsafe = unsafe  # the naive lock mode books seats without a condition (labctl load --unsafe-locks)
        self._retry = retry or RetryPolicy()

    async def begin_idempotent(
        self, key: str, request_hash: str, now: datetime, lock_seconds: int
    ) -> IdempotencyOutcome:
        owner = secrets.token_hex(8)
        item = {
            **I.idem_key(key),
            "type": I.s("idempotency"),
            "request_hash": I.s(request_hash),
            "owner": I.s(owner),
            "state": I.s("in_progress"),
            "locked_until": I.n(I.ms(now + timedelta(seconds=lock_seconds))),
            "ttl": I.n(int(now.timestamp()) + IDEMPOTENCY_TTL_SECONDS),
        }
        try:
            await self._t.call(
                "PutItem",
                Item=item,
                ConditionExpression=IDEM_CLAIMABLE,
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={
                    ":prog": I.s("in_progress"),
                    ":now": I.n(I.ms(now)),
                    ":h": I.s(request_hash),
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except DynamoError as err:
            if err.code != CONDITION_FAILED_EXC:
                raise
            old = err.item or await self._t.get(I.idem_key(key), consistent=True)
            if old is None:  # expired between our write and read: claim again
                return await self.begin_idempotent(key, request_hash, now, lock_seconds)
            if old["request_hash"]["S"] != request_hash:
                return IdempotencyMismatch()
            if old["state"]["S"] == "completed":
                return IdempotencyReplay(_booking_view(orjson.loads(old["response_body"]["S"])))
            return IdempotencyInProgress()
        return IdempotencyStarted(owner)

    async def abandon_idempotent(self, key: str, owner: str) -> None:
        await self._t.write(
            "DeleteItem",
            Key=I.idem_key(key),
            ConditionExpression="#s = :prog AND #o = :owner",
            ExpressionAttributeNames={"#s": "state", "#o": "owner"},
            ExpressionAttributeValues={":prog": I.s("in_progress"), ":owner": I.s(owner)},
        )

    async def commit_booking(self, commit: BookingCommit) -> None:
        b, now, t = commit.booking, commit.now, self._t.name
        hold_booked = {
            "TableName": t,
            "Key": I.hold_key(b.hold_id),
            "UpdateExpression": "SET #st = :booked, booking_id = :b",
            "ConditionExpression": "#st = :active AND expires_at > :now",
            "ExpressionAttributeNames": {"#st": "status"},
            "ExpressionAttributeValues": {
                ":booked": I.s("booked"),
                ":b": I.s(b.id),
                ":active": I.s("active"),
                ":now": I.n(I.ms(now)),
            },
        }
        key_completed = {
            "TableName": t,
            "Key": I.idem_key(commit.idempotency_key),
            "UpdateExpression": "SET #s = :done, response_body = :rb, booking_id = :b",
            "ConditionExpression": "#s = :prog AND #o = :owner",
            "ExpressionAttributeNames": {"#s": "state", "#o": "owner"},
            "ExpressionAttributeValues": {
                ":done": I.s("completed"),
                ":rb": I.s(orjson.dumps(commit.view).decode()),
                ":b": I.s(b.id),
                ":prog": I.s("in_progress"),
                ":owner": I.s(commit.idempotency_owner),
            },
        }
        event = commit.event
        outbox = {
            **I.key(f"OUTBOX#{event.id}", "EVENT"),
            "type": I.s("outbox"),
            "event_id": I.s(event.id),
            "event_type": I.s(event.type),
            "payload": I.s(orjson.dumps(event.payload, option=orjson.OPT_SORT_KEYS).decode()),
            "created_at": I.n(I.ms(event.created_at)),
            "GSI1PK": I.s(I.OUTBOX_PENDING),
            "GSI1SK": I.s(f"{I.ms(event.created_at)}#{event.id}"),
            "ttl": I.n(int(now.timestamp()) + OUTBOX_TTL_SECONDS),
        }
        booking_put = {"TableName": t, "Item": I.booking_item(b), "ConditionExpression": "attribute_not_exists(PK)"}
        txn: list[I.Item] = [
            {"Update": hold_booked},
            {"Put": booking_put},
            {"Update": key_completed},
            {"Put": {"TableName": t, "Item": outbox}},
        ]
        for seat_id in b.seat_ids:
            upd: dict[str, Any] = {
                "TableName": t,
                "Key": I.seat_key(b.show_id, seat_id),
                "UpdateExpression": "SET #st = :booked, booking_id = :b REMOVE hold_id, hold_expires_at",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {":booked": I.s("booked"), ":b": I.s(b.id)},
            }
            if not self._unsafe:
                upd["ConditionExpression"] = "#st = :held AND hold_id = :h"
                upd["ExpressionAttributeValues"] |= {":held": I.s("held"), ":h": I.s(b.hold_id)}
            txn.append({"Update": upd})
        cancelled = await transact_retrying(self._t.transact, txn, self._retry)
        if cancelled is None or cancelled.code(1) == CONDITION_FAILED:
            return  # the booking item exists: an earlier send of this very transaction committed
        if cancelled.condition_failed:
            await self._raise_hold_state(b.hold_id)
        if not cancelled.contended:  # neither a condition nor contention: a malformed request, a bug
            raise DynamoError("TransactionCanceledException", "booking not stored", reasons=cancelled.reasons)
        # Conflicts outlasted the retries: the hold is still active and the key unclaimed, so a retry
        # with the same Idempotency-Key books it (and reuses the charge).
        evidence = {
            "basis": "conflicts_outlasted_retries",
            "attempts": cancelled.attempts,
            "reasons": cancelled.codes(),
        }
        raise SeatLockContended(list(b.seat_ids), attempts=cancelled.attempts, evidence=evidence)

    async def _raise_hold_state(self, hold_id: str) -> None:
        item = await self._t.get(I.hold_key(hold_id), consistent=True)
        hold = I.parse_hold(item) if item else None
        if hold is not None and hold.stored_status is HoldStatus.BOOKED:
            raise HoldAlreadyBooked(evidence={"booking_id": hold.booking_id})
        if hold is not None and hold.stored_status is HoldStatus.RELEASED:
            raise HoldReleased()
        raise HoldExpired()

    async def get_booking(self, booking_id: str) -> Booking | None:
        item = await self._t.get(I.booking_key(booking_id), consistent=True)
        return I.parse_booking(item) if item else None

    async def mark_notified(self, booking_id: str, notice: Notice) -> bool:
        notified = {
            "TableName": self._t.name,
            "Key": I.booking_key(booking_id),
            "UpdateExpression": "SET notification_status = :sent, notification_sent_at = :at",
            "ConditionExpression": "attribute_exists(PK) AND notification_status <> :sent",
            "ExpressionAttributeValues": {":sent": I.s("sent"), ":at": I.n(I.ms(notice.sent_at))},
        }
        reasons = await self._t.transact(
            [{"Update": notified}, {"Put": {"TableName": self._t.name, "Item": I.notice_item(notice)}}]
        )
        if reasons is None:
            return True
        if any(r.get("Code") == CONDITION_FAILED for r in reasons):
            return False  # sent already (a duplicate delivery)
        raise DynamoError("TransactionCanceledException", "notice not stored", reasons=reasons)

    async def get_notice(self, booking_id: str) -> Notice | None:
        item = await self._t.get(I.notice_key(booking_id), consistent=True)
        return I.parse_notice(item) if item else None


def _booking_view(data: dict[str, Any]) -> BookingView:
    """The stored answer of a completed request (written by commit_booking from a BookingView)."""
    customer, notification = data["customer"], data["notification"]
    return BookingView(
        str(data["booking_id"]),
        str(data["reference"]),
        str(data["show_id"]),
        str(data["hold_id"]),
        tuple(str(s) for s in data["seat_ids"]),
        int(data["total_cents"]),
        str(data["currency"]),
        str(data["status"]),
        str(data["created_at"]),
        CustomerView(str(customer["name"]), str(customer["email"])),
        NotificationView(str(notification["status"]), notification["sent_at"]),
    )
