"""DynamoDB adapter: every port of the service layer on one table, via aiobotocore (async).

Seat locks are conditional writes inside TransactWriteItems: all seats or none.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from api.adapters.dynamodb import items as I
from api.domain.errors import (
    DependencyUnavailable,
    HoldAlreadyBooked,
    HoldExpired,
    HoldReleased,
    SeatsUnavailable,
)
from api.domain.model import Booking, Hold, HoldStatus, Movie, Notice, SeatState, SeatStatus, Show
from api.service.ports import (
    BookingCommit,
    IdempotencyInProgress,
    IdempotencyMismatch,
    IdempotencyOutcome,
    IdempotencyReplay,
    IdempotencyStarted,
)

TRANSIENT = frozenset(
    {
        "ResourceNotFoundException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "InternalServerError",
        "RequestLimitExceeded",
        "ServiceUnavailable",
    }
)
SEAT_FREE = "attribute_exists(PK) AND (#st = :available OR (#st = :held AND hold_expires_at <= :now))"
# A key is claimable when new, or when a request with the same body crashed and its lock ran out.
IDEM_CLAIMABLE = "attribute_not_exists(PK) OR (#s = :prog AND locked_until < :now AND request_hash = :h)"
TXN_ATTEMPTS = 8  # TransactionConflict retries: another transaction touched the same seat meanwhile
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
OUTBOX_TTL_SECONDS = 7 * 24 * 3600


def _reasons(err: ClientError) -> list[str]:
    reasons: list[dict[str, Any]] = err.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return [str(r.get("Code", "None")) for r in reasons]


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


class DynamoStore:
    """CatalogStore + SeatLockStore + BookingStore on DynamoDB. `client` is an aiobotocore client."""

    def __init__(self, client: Any, table: str, *, unsafe_locks: bool = False) -> None:
        self._c = client
        self._t = table
        self._unsafe = unsafe_locks

    async def _call(self, op: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await getattr(self._c, op)(TableName=self._t, **kwargs)
        except ClientError as err:
            if _code(err) in TRANSIENT:
                raise DependencyUnavailable(f"DynamoDB {op} failed: {_code(err)}") from err
            raise
        except BotoCoreError as err:
            raise DependencyUnavailable(f"DynamoDB {op} failed: {type(err).__name__}") from err
        return result

    async def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            await self._c.transact_write_items(TransactItems=items)
        except ClientError as err:
            if _code(err) in TRANSIENT:
                raise DependencyUnavailable(f"DynamoDB transaction failed: {_code(err)}") from err
            raise
        except BotoCoreError as err:
            raise DependencyUnavailable(f"DynamoDB transaction failed: {type(err).__name__}") from err

    async def _query_all(self, **kwargs: Any) -> list[I.Item]:
        out: list[I.Item] = []
        while True:
            page = await self._call("query", **kwargs)
            out.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def ping(self) -> None:
        """Readiness: the table answers."""
        try:
            await self._call("describe_table")
        except ClientError as err:
            raise DependencyUnavailable(f"DynamoDB table {self._t} is not usable: {_code(err)}") from err

    # -- catalog -----------------------------------------------------------------------------
    async def list_movies(self) -> list[Movie]:
        rows = await self._query_all(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": I.s(I.CATALOG_PK)}
        )
        return [I.parse_movie(r) for r in rows]

    async def get_movie(self, movie_id: str) -> Movie | None:
        res = await self._call("get_item", Key=I.key(I.CATALOG_PK, f"MOVIE#{movie_id}"))
        return I.parse_movie(res["Item"]) if "Item" in res else None

    async def list_shows(self, movie_id: str, on: date | None) -> list[Show]:
        cond = "GSI1PK = :pk"
        values: dict[str, Any] = {":pk": I.s(f"MOVIE#{movie_id}")}
        if on is not None:
            cond += " AND begins_with(GSI1SK, :day)"
            values[":day"] = I.s(on.isoformat())
        rows = await self._query_all(IndexName="GSI1", KeyConditionExpression=cond, ExpressionAttributeValues=values)
        return [I.parse_show(r) for r in rows]

    async def get_show(self, show_id: str) -> Show | None:
        res = await self._call("get_item", Key=I.key(I.show_pk(show_id), "META"))
        return I.parse_show(res["Item"]) if "Item" in res else None

    async def put_catalog(self, movies: list[Movie], shows: list[Show]) -> int:
        """Idempotent: movies and shows are overwritten, seats only created when missing (keeps bookings).

        Writes run 8 at a time: seeding 2 days (~2,200 items) is bound by round trips, not by DynamoDB.
        """
        gate = asyncio.Semaphore(8)

        async def write(batch: list[I.Item]) -> None:
            async with gate:
                await self._batch_write(batch)

        async def seats_of(show: Show) -> list[I.Item]:
            async with gate:
                existing = {st.seat_id for st in await self.get_seats(show.id)}
            return [I.seat_item(show.id, sid) for sid in show.seat_ids() if sid not in existing]

        puts: list[I.Item] = [I.movie_item(m) for m in movies] + [I.show_item(s) for s in shows]
        for missing in await asyncio.gather(*(seats_of(show) for show in shows)):
            puts.extend(missing)
        await asyncio.gather(*(write(puts[i : i + 25]) for i in range(0, len(puts), 25)))
        return len(puts)

    async def _batch_write(self, batch: list[I.Item]) -> None:
        request: dict[str, Any] = {self._t: [{"PutRequest": {"Item": it}} for it in batch]}
        for attempt in range(10):
            res = await self._c.batch_write_item(RequestItems=request)
            request = res.get("UnprocessedItems") or {}
            if not request:
                return
            await asyncio.sleep(0.05 * 2**attempt)
        raise DependencyUnavailable("DynamoDB kept throttling the seed batch writes.")

    # -- seats and holds ---------------------------------------------------------------------
    async def get_seats(self, show_id: str) -> list[SeatState]:
        rows = await self._query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :seat)",
            ExpressionAttributeValues={":pk": I.s(I.show_pk(show_id)), ":seat": I.s("SEAT#")},
            # Only what a seat map needs: a quarter less JSON for DynamoDB to write and the API to parse.
            ProjectionExpression="SK, #st, hold_id, hold_expires_at, booking_id",
            ExpressionAttributeNames={"#st": "status"},
        )
        return [I.parse_seat(r) for r in rows]

    async def create_hold(self, hold: Hold, now: datetime) -> None:
        if self._unsafe:
            await self._create_hold_unsafe(hold, now)
            return
        values = {
            ":available": I.s("available"),
            ":held": I.s("held"),
            ":now": I.n(I.ms(now)),
            ":h": I.s(hold.id),
            ":exp": I.n(I.ms(hold.expires_at)),
        }
        txn: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._t,
                    "Item": I.hold_item(hold),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
        for seat_id in hold.seat_ids:
            txn.append(
                {
                    "Update": {
                        "TableName": self._t,
                        "Key": I.seat_key(hold.show_id, seat_id),
                        "UpdateExpression": "SET #st = :held, hold_id = :h, hold_expires_at = :exp REMOVE booking_id",
                        "ConditionExpression": SEAT_FREE,
                        "ExpressionAttributeNames": {"#st": "status"},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        reasons = await self._transact_retrying(txn)
        if reasons is None:
            return
        taken = [sid for sid, code in zip(hold.seat_ids, reasons[1:], strict=False) if code == "ConditionalCheckFailed"]
        if taken:
            raise SeatsUnavailable(taken)
        # Still contended after retries: name the seats that are taken now, if any.
        busy = [
            st.seat_id
            for st in await self.get_seats(hold.show_id)
            if st.seat_id in hold.seat_ids and st.effective_status(now) is not SeatStatus.AVAILABLE
        ]
        raise SeatsUnavailable(busy or list(hold.seat_ids))

    async def _create_hold_unsafe(self, hold: Hold, now: datetime) -> None:
        """Deliberately naive read-then-write (labctl load --unsafe-locks): the race the checker catches."""
        seats = {st.seat_id: st for st in await self.get_seats(hold.show_id)}
        taken = [
            sid
            for sid in hold.seat_ids
            if sid in seats and seats[sid].effective_status(now) is not SeatStatus.AVAILABLE
        ]
        if taken:
            raise SeatsUnavailable(taken)
        await asyncio.sleep(0.005)  # the window between check and write that real systems also have
        await self._call("put_item", Item=I.hold_item(hold))
        for seat_id in hold.seat_ids:
            await self._call(
                "update_item",
                Key=I.seat_key(hold.show_id, seat_id),
                UpdateExpression="SET #st = :held, hold_id = :h, hold_expires_at = :exp REMOVE booking_id",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":held": I.s("held"),
                    ":h": I.s(hold.id),
                    ":exp": I.n(I.ms(hold.expires_at)),
                },
            )

    async def get_hold(self, hold_id: str) -> Hold | None:
        res = await self._call("get_item", Key=I.hold_key(hold_id), ConsistentRead=True)
        return I.parse_hold(res["Item"]) if "Item" in res else None

    async def release_hold(self, hold: Hold, *, only_if_expired_at: datetime | None = None) -> bool:
        cond = "#st = :active"
        values: dict[str, Any] = {":active": I.s("active"), ":released": I.s("released")}
        if only_if_expired_at is not None:
            cond += " AND expires_at <= :now"
            values[":now"] = I.n(I.ms(only_if_expired_at))
        try:
            await self._call(
                "update_item",
                Key=I.hold_key(hold.id),
                UpdateExpression="SET #st = :released",
                ConditionExpression=cond,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as err:
            if _code(err) == "ConditionalCheckFailedException":
                return False
            raise

        # Free each seat only while this hold still owns it: never a seat re-held or booked meanwhile.
        # The seats are independent conditional writes, so they go out together: one round trip, not four.
        async def free(seat_id: str) -> None:
            try:
                await self._call(
                    "update_item",
                    Key=I.seat_key(hold.show_id, seat_id),
                    UpdateExpression="SET #st = :available REMOVE hold_id, hold_expires_at",
                    ConditionExpression="#st = :held AND hold_id = :h",
                    ExpressionAttributeNames={"#st": "status"},
                    ExpressionAttributeValues={
                        ":available": I.s("available"),
                        ":held": I.s("held"),
                        ":h": I.s(hold.id),
                    },
                )
            except ClientError as err:
                if _code(err) != "ConditionalCheckFailedException":
                    raise

        await asyncio.gather(*(free(seat_id) for seat_id in hold.seat_ids))
        return True

    # -- bookings and idempotency ------------------------------------------------------------
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
            await self._call(
                "put_item",
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
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] | None = err.response.get("Item")  # type: ignore[assignment]
            if old is None:
                res = await self._call("get_item", Key=I.idem_key(key), ConsistentRead=True)
                old = res.get("Item")
            if old is None:  # expired between our write and read: claim again
                return await self.begin_idempotent(key, request_hash, now, lock_seconds)
            if old["request_hash"]["S"] != request_hash:
                return IdempotencyMismatch()
            if old["state"]["S"] == "completed":
                return IdempotencyReplay(int(old["response_status"]["N"]), json.loads(old["response_body"]["S"]))
            return IdempotencyInProgress()
        return IdempotencyStarted(owner)

    async def abandon_idempotent(self, key: str, owner: str) -> None:
        try:
            await self._call(
                "delete_item",
                Key=I.idem_key(key),
                ConditionExpression="#s = :prog AND #o = :owner",
                ExpressionAttributeNames={"#s": "state", "#o": "owner"},
                ExpressionAttributeValues={":prog": I.s("in_progress"), ":owner": I.s(owner)},
            )
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise

    async def commit_booking(self, commit: BookingCommit) -> None:
        b, now = commit.booking, commit.now
        txn: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._t,
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
            },
            {
                "Put": {
                    "TableName": self._t,
                    "Item": I.booking_item(b),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": self._t,
                    "Key": I.idem_key(commit.idempotency_key),
                    "UpdateExpression": "SET #s = :done, response_status = :rs, response_body = :rb, booking_id = :b",
                    "ConditionExpression": "#s = :prog AND #o = :owner",
                    "ExpressionAttributeNames": {"#s": "state", "#o": "owner"},
                    "ExpressionAttributeValues": {
                        ":done": I.s("completed"),
                        ":rs": I.n(commit.response_status),
                        ":rb": I.s(I.dumps(commit.response_body)),
                        ":b": I.s(b.id),
                        ":prog": I.s("in_progress"),
                        ":owner": I.s(commit.idempotency_owner),
                    },
                }
            },
            {
                "Put": {
                    "TableName": self._t,
                    "Item": {
                        **I.key(f"OUTBOX#{commit.event.id}", "EVENT"),
                        "type": I.s("outbox"),
                        "event_id": I.s(commit.event.id),
                        "event_type": I.s(commit.event.type),
                        "payload": I.s(I.dumps(commit.event.payload)),
                        "created_at": I.n(I.ms(commit.event.created_at)),
                        "GSI1PK": I.s(I.OUTBOX_PENDING),
                        "GSI1SK": I.s(f"{I.ms(commit.event.created_at)}#{commit.event.id}"),
                        "ttl": I.n(int(now.timestamp()) + OUTBOX_TTL_SECONDS),
                    },
                }
            },
        ]
        seat_cond = None if self._unsafe else "#st = :held AND hold_id = :h"
        for seat_id in b.seat_ids:
            upd: dict[str, Any] = {
                "TableName": self._t,
                "Key": I.seat_key(b.show_id, seat_id),
                "UpdateExpression": "SET #st = :booked, booking_id = :b REMOVE hold_id, hold_expires_at",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {":booked": I.s("booked"), ":b": I.s(b.id)},
            }
            if seat_cond:
                upd["ConditionExpression"] = seat_cond
                upd["ExpressionAttributeValues"] |= {":held": I.s("held"), ":h": I.s(b.hold_id)}
            txn.append({"Update": upd})
        if await self._transact_retrying(txn) is not None:
            await self._raise_hold_state(b.hold_id, now)

    async def _transact_retrying(self, txn: list[dict[str, Any]]) -> list[str] | None:
        """Run txn, retrying TransactionConflict with jitter; None on success, else the final CancellationReasons."""
        reasons: list[str] = []
        for attempt in range(TXN_ATTEMPTS):
            try:
                await self._transact(txn)
                return None
            except ClientError as err:
                if _code(err) != "TransactionCanceledException":
                    raise
                reasons = _reasons(err)
                if "ConditionalCheckFailed" in reasons:
                    return reasons  # a real conflict: retrying cannot help
            await asyncio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
        return reasons

    async def _raise_hold_state(self, hold_id: str, now: datetime) -> None:
        hold = await self.get_hold(hold_id)
        if hold is not None and hold.stored_status is HoldStatus.BOOKED:
            raise HoldAlreadyBooked(details={"booking_id": hold.booking_id})
        if hold is not None and hold.stored_status is HoldStatus.RELEASED:
            raise HoldReleased()
        raise HoldExpired()

    async def get_booking(self, booking_id: str) -> Booking | None:
        res = await self._call("get_item", Key=I.booking_key(booking_id), ConsistentRead=True)
        return I.parse_booking(res["Item"]) if "Item" in res else None

    async def mark_notified(self, booking_id: str, notice: Notice) -> bool:
        try:
            await self._transact(
                [
                    {
                        "Update": {
                            "TableName": self._t,
                            "Key": I.booking_key(booking_id),
                            "UpdateExpression": "SET notification_status = :sent, notification_sent_at = :at",
                            "ConditionExpression": "attribute_exists(PK) AND notification_status <> :sent",
                            "ExpressionAttributeValues": {":sent": I.s("sent"), ":at": I.n(I.ms(notice.sent_at))},
                        }
                    },
                    {"Put": {"TableName": self._t, "Item": I.notice_item(notice)}},
                ]
            )
        except ClientError as err:
            if _code(err) == "TransactionCanceledException" and "ConditionalCheckFailed" in _reasons(err):
                return False
            raise
        return True

    async def get_notice(self, booking_id: str) -> Notice | None:
        res = await self._call("get_item", Key=I.notice_key(booking_id), ConsistentRead=True)
        return I.parse_notice(res["Item"]) if "Item" in res else None
