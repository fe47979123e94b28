"""DynamoDB adapter: every port of the service layer on one table (aiodynamo or aiobotocore, async).

Seat locks are conditional writes inside TransactWriteItems: all seats or none. A refusal names only
seats DynamoDB showed taken; contention that outlasts the retries is its own answer (ADR 0012).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from api.adapters.clock import SystemClock
from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.contention import (
    CONDITION_FAILED,
    Cancelled,
    RetryPolicy,
    retry_conflicts,
    seat_evidence,
    seat_taken,
    transact_retrying,
)
from api.domain.errors import (
    DependencyUnavailable,
    HoldAlreadyBooked,
    HoldExpired,
    HoldReleased,
    SeatLockContended,
    SeatsUnavailable,
)
from api.domain.model import Booking, Hold, HoldStatus, Movie, Notice, SeatState, SeatStatus, Show
from api.service.ports import (
    BookingCommit,
    Clock,
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
SEED_ATTEMPTS = 4
SEATS_PER_TXN = 25  # small transactions: DynamoDB Local runs each under a table lock (measured: 25 seats ~50 ms warm)
ALL_OLD = "ALL_OLD"  # a failed condition returns the item it failed on: the evidence of a refusal
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
OUTBOX_TTL_SECONDS = 7 * 24 * 3600


def _reasons(err: ClientError) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = err.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return reasons


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _held_by(seat: I.Item, hold_id: str) -> bool:
    state = I.parse_seat(seat)
    return state.status is SeatStatus.HELD and state.hold_id == hold_id


class DynamoStore:
    """CatalogStore + SeatLockStore + BookingStore on DynamoDB. `client` is an aiobotocore client."""

    def __init__(
        self,
        client: Any,
        table: str,
        *,
        unsafe_locks: bool = False,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._c = client
        self._t = table
        self._unsafe = unsafe_locks
        self._retry = retry or RetryPolicy()
        self._clock = clock or SystemClock()  # stamps released_at when the release is done, not when it began

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

        Seats are stored before their show and shows before their movie: a show the API lists always has
        its seats, even while a seed is still running or after one failed half-way (a seat with no item
        would be refused to every buyer). Seats are created with a condition, never a blind put: a write
        that lands late (a timed-out request the client resent) must not reset a seat booked meanwhile.
        Writes run 8 at a time: seeding 2 days (~2,200 items) is bound by round trips, not by DynamoDB.
        """
        gate = asyncio.Semaphore(8)

        async def seats_of(show: Show) -> list[I.Item]:
            async with gate:
                existing = {st.seat_id for st in await self.get_seats(show.id, consistent=True)}
            return [I.seat_item(show.id, sid) for sid in show.seat_ids() if sid not in existing]

        async def create(chunk: list[I.Item]) -> None:
            async with gate:
                await self._create_seats(chunk)

        async def put(chunk: list[I.Item]) -> None:
            async with gate:
                await self._batch_write(chunk)

        seats = [it for missing in await asyncio.gather(*(seats_of(show) for show in shows)) for it in missing]
        await asyncio.gather(*(create(seats[i : i + SEATS_PER_TXN]) for i in range(0, len(seats), SEATS_PER_TXN)))
        for layer in ([I.show_item(s) for s in shows], [I.movie_item(m) for m in movies]):
            await asyncio.gather(*(put(layer[i : i + 25]) for i in range(0, len(layer), 25)))
        return len(seats) + len(shows) + len(movies)

    async def _create_seats(self, seats: list[I.Item]) -> None:
        """Create seat items that do not exist yet: one conditional transaction, or one by one if some do.

        Conditional, so repeating it is harmless: a timed-out attempt (a busy DynamoDB Local queues
        transactions behind its table lock) is simply sent again.
        """
        create = "attribute_not_exists(PK)"
        txn = [{"Put": {"TableName": self._t, "Item": it, "ConditionExpression": create}} for it in seats]
        for attempt in range(SEED_ATTEMPTS):
            try:
                await self._transact(txn)
                return
            except ClientError as err:
                if _code(err) != "TransactionCanceledException":
                    raise
                break  # some exist already (another seed, or an earlier attempt of this one)
            except DependencyUnavailable:
                if attempt + 1 == SEED_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)

        async def one(item: I.Item) -> None:
            try:
                await self._call("put_item", Item=item, ConditionExpression=create)
            except ClientError as err:
                if _code(err) != "ConditionalCheckFailedException":
                    raise

        await asyncio.gather(*(one(it) for it in seats))

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
    async def get_seats(self, show_id: str, *, consistent: bool = False) -> list[SeatState]:
        rows = await self._query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :seat)",
            ExpressionAttributeValues={":pk": I.s(I.show_pk(show_id)), ":seat": I.s("SEAT#")},
            # Only what a seat map needs: a quarter less JSON for DynamoDB to write and the API to parse.
            ProjectionExpression="SK, #st, hold_id, hold_expires_at, booking_id",
            ExpressionAttributeNames={"#st": "status"},
            ConsistentRead=consistent,
        )
        return [I.parse_seat(r) for r in rows]

    async def _seat_items(self, show_id: str, seat_ids: tuple[str, ...]) -> dict[str, I.Item | None]:
        """The seats' items as they are now (strongly consistent, one round trip); None for a missing item."""
        keys = [I.seat_key(show_id, sid) for sid in seat_ids]
        found: dict[str, I.Item] = {}
        request: dict[str, Any] = {self._t: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(5):
            res = await self._c.batch_get_item(RequestItems=request)
            for it in res.get("Responses", {}).get(self._t, []):
                found[it["SK"]["S"][5:]] = it
            request = res.get("UnprocessedKeys") or {}
            if not request:
                return {sid: found.get(sid) for sid in seat_ids}
            await asyncio.sleep(0.02 * 2**attempt)
        raise DependencyUnavailable("DynamoDB kept throttling a seat read.")

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
                        "ReturnValuesOnConditionCheckFailure": ALL_OLD,
                    }
                }
            )
        try:
            cancelled = await self._transact_retrying(txn)
        except DependencyUnavailable as err:
            if await self._committed_or_fenced(hold, now):
                return
            err.evidence = {"basis": "outcome_unknown_then_fenced", "hold_id": hold.id}
            raise
        if cancelled is None or cancelled.code(0) == CONDITION_FAILED:
            # The hold item exists already: an earlier send of this very transaction committed (the client
            # resent it after a timeout). Hold ids are random, so the seats are this hold's.
            return
        failed = {
            sid: cancelled.item(i + 1)
            for i, sid in enumerate(hold.seat_ids)
            if cancelled.code(i + 1) == CONDITION_FAILED
        }
        if failed:
            self._refuse(hold, failed, now, basis="condition", attempts=cancelled.attempts)
        # Conflicts outlasted the retries: that says nothing about the seats. Name only what a
        # strongly consistent read shows taken; if nothing is, the answer is contention, not unavailability.
        now_items = await self._seat_items(hold.show_id, hold.seat_ids)
        self._refuse(hold, now_items, now, basis="consistent_read", attempts=cancelled.attempts)
        evidence = {
            "basis": "conflicts_outlasted_retries",
            "attempts": cancelled.attempts,
            "reasons": cancelled.codes(),
            "seats": {sid: seat_evidence(it, now) for sid, it in now_items.items()},
        }
        raise SeatLockContended(list(hold.seat_ids), attempts=cancelled.attempts, evidence=evidence)

    async def _committed_or_fenced(self, hold: Hold, now: datetime) -> bool:
        """After a hold transaction with an unknown outcome (a timeout): True if it committed; else store a
        released hold under its id, so that a send still queued in DynamoDB can never lock the seats."""
        fence = {**I.hold_item(replace(hold, stored_status=HoldStatus.RELEASED)), "released_at": I.n(I.ms(now))}
        try:
            await self._call("put_item", Item=fence, ConditionExpression="attribute_not_exists(PK)")
        except ClientError as err:
            if _code(err) == "ConditionalCheckFailedException":
                return True  # the hold is stored: the buyer has it
            raise
        return False

    def _refuse(self, hold: Hold, items: dict[str, I.Item | None], now: datetime, *, basis: str, attempts: int) -> None:
        """Raise for the seats `items` show taken (SeatsUnavailable) or not stored at all; else return."""
        evidence = {
            "basis": basis,
            "attempts": attempts,
            "seats": {sid: seat_evidence(it, now) for sid, it in items.items()},
        }
        missing = [sid for sid, it in items.items() if it is None]
        if missing:  # a show whose seats were never stored: nobody holds them, and nobody can
            raise DependencyUnavailable(
                f"Seats {', '.join(missing)} of show {hold.show_id} are not stored yet; retry shortly.",
                evidence=evidence,
            )
        taken = [sid for sid, it in items.items() if seat_taken(it, now)]
        if taken:
            raise SeatsUnavailable(taken, evidence=evidence)

    async def _create_hold_unsafe(self, hold: Hold, now: datetime) -> None:
        """Deliberately naive read-then-write (labctl load --unsafe-locks): the race the checker catches."""
        seats = {st.seat_id: st for st in await self.get_seats(hold.show_id, consistent=True)}
        taken = [
            sid
            for sid in hold.seat_ids
            if sid in seats and seats[sid].effective_status(now) is not SeatStatus.AVAILABLE
        ]
        if taken:
            raise SeatsUnavailable(taken, evidence={"basis": "read_then_write"})
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

    async def release_hold(self, hold: Hold, now: datetime, *, only_if_expired: bool = False) -> bool:
        """Free the seats this hold still owns, then mark it released (at `now`).

        Seats first: a hold marked released never owns a seat, so a refusal can never rest on a released
        hold, and a release cut short (a conflict that outlasts the retries) leaves the hold active for a
        retry. The expiry worker reads the seats first and writes only the ones still this hold's: the
        seats of an expired hold are usually re-held by then, and a write there would only collide with
        the buyers' transactions.
        """
        seat_ids: tuple[str, ...] = hold.seat_ids
        if only_if_expired and hold.expires_at > now:
            return False
        if only_if_expired:
            owned = await self._seat_items(hold.show_id, hold.seat_ids)
            seat_ids = tuple(sid for sid, it in owned.items() if it is not None and _held_by(it, hold.id))
        await asyncio.gather(*(self._free_seat(hold, seat_id) for seat_id in seat_ids))
        cond = "#st = :active"
        done = max(now, self._clock.now())  # the seats are free from here on: what the load checker needs
        values: dict[str, Any] = {":active": I.s("active"), ":released": I.s("released"), ":done": I.n(I.ms(done))}
        if only_if_expired:
            cond += " AND expires_at <= :now"
            values[":now"] = I.n(I.ms(now))
        try:
            await self._call(
                "update_item",
                Key=I.hold_key(hold.id),
                UpdateExpression="SET #st = :released, released_at = :done",
                ConditionExpression=cond,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as err:
            if _code(err) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def _free_seat(self, hold: Hold, seat_id: str) -> None:
        """Free one seat while this hold owns it (never a seat re-held or booked meanwhile).

        A plain write on an item an in-flight transaction holds is refused with TransactionConflict
        (a buyer is trying that seat right now): retried within the budget, then seat_lock_contended.
        """

        async def write() -> bool:
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
                if _code(err) == "TransactionConflictException":
                    return False
                if _code(err) != "ConditionalCheckFailedException":
                    raise
            return True

        attempts = await retry_conflicts(write, self._retry)
        if attempts is not None:
            evidence = {"basis": "conflicts_outlasted_retries", "attempts": attempts, "release_of": hold.id}
            raise SeatLockContended([seat_id], attempts=attempts, evidence=evidence)

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
        cancelled = await self._transact_retrying(txn)
        if cancelled is None or cancelled.code(1) == CONDITION_FAILED:
            return  # the booking item exists: an earlier send of this very transaction committed
        if cancelled.condition_failed:
            await self._raise_hold_state(b.hold_id, now)
        # Conflicts outlasted the retries: the hold is still active and the key unclaimed, so a retry
        # with the same Idempotency-Key books it (and reuses the charge).
        evidence = {
            "basis": "conflicts_outlasted_retries",
            "attempts": cancelled.attempts,
            "reasons": cancelled.codes(),
        }
        raise SeatLockContended(list(b.seat_ids), attempts=cancelled.attempts, evidence=evidence)

    async def _transact_retrying(self, txn: list[dict[str, Any]]) -> Cancelled | None:
        """Run txn, retrying TransactionConflict within the budget; None on success, else why it was cancelled."""

        async def send(items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            try:
                await self._transact(items)
            except ClientError as err:
                if _code(err) != "TransactionCanceledException":
                    raise
                return _reasons(err)
            return None

        return await transact_retrying(send, txn, self._retry)

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
            if _code(err) == "TransactionCanceledException" and any(
                r.get("Code") == CONDITION_FAILED for r in _reasons(err)
            ):
                return False
            raise
        return True

    async def get_notice(self, booking_id: str) -> Notice | None:
        res = await self._call("get_item", Key=I.notice_key(booking_id), ConsistentRead=True)
        return I.parse_notice(res["Item"]) if "Item" in res else None
