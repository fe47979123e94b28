"""SeatLockStore on DynamoDB: seat maps, holds (one conditional transaction, all seats or none), releases.

A refusal names only seats DynamoDB showed taken; contention that outlasts the retries is its own
answer (ADR 0012). `unsafe_locks` is the naive read-then-write the load lab breaks on purpose.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import DynamoError
from api.adapters.dynamodb.contention import (
    CONDITION_FAILED,
    RetryPolicy,
    retry_conflicts,
    seat_evidence,
    seat_taken,
    transact_retrying,
)
from api.adapters.dynamodb.table import TRANSACTION_CONFLICT, Table
from api.domain.errors import DependencyUnavailable, SeatLockContended, SeatsUnavailable
from api.domain.model import Hold, HoldStatus, SeatState, SeatStatus
from api.service.ports import Clock

SEAT_FREE = "attribute_exists(PK) AND (#st = :available OR (#st = :held AND hold_expires_at <= :now))"
HELD_BY_ME = "#st = :held AND hold_id = :h"
HOLD_SEAT = "SET #st = :held, hold_id = :h, hold_expires_at = :exp REMOVE booking_id"
ALL_OLD = "ALL_OLD"  # a failed condition returns the item it failed on: the evidence of a refusal


async def query_seats(table: Table, show_id: str, *, consistent: bool = False) -> list[SeatState]:
    """Every seat of a show (a 120-item Query)."""
    rows = await table.query_all(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :seat)",
        ExpressionAttributeValues={":pk": I.s(I.show_pk(show_id)), ":seat": I.s("SEAT#")},
        # Only what a seat map needs: a quarter less JSON for DynamoDB to write and the API to parse.
        ProjectionExpression="SK, #st, hold_id, hold_expires_at, booking_id",
        ExpressionAttributeNames={"#st": "status"},
        ConsistentRead=consistent,
    )
    return [I.parse_seat(r) for r in rows]


class DynamoSeatLocks:
    def __init__(self, table: Table, clock: Clock, *, unsafe: bool = False, retry: RetryPolicy | None = None) -> None:
        self._t = table
        self._clock = clock  # stamps released_at when a release is done, not when it began
        self._unsafe = unsafe
        self._retry = retry or RetryPolicy()

    async def get_seats(self, show_id: str) -> list[SeatState]:
        return await query_seats(self._t, show_id)

    async def get_hold(self, hold_id: str) -> Hold | None:
        item = await self._t.get(I.hold_key(hold_id), consistent=True)
        return I.parse_hold(item) if item else None

    async def _seat_items(self, show_id: str, seat_ids: tuple[str, ...]) -> dict[str, I.Item | None]:
        """The seats' items as they are now (strongly consistent, one round trip); None for a missing item."""
        found = await self._t.batch_get([I.seat_key(show_id, sid) for sid in seat_ids], consistent=True)
        by_id = {it["SK"]["S"][5:]: it for it in found}
        return {sid: by_id.get(sid) for sid in seat_ids}

    async def create_hold(self, hold: Hold, now: datetime) -> None:
        if self._unsafe:
            await self._create_hold_unsafe(hold, now)
            return
        values = {":available": I.s("available"), ":held": I.s("held"), ":now": I.n(I.ms(now))}
        values |= {":h": I.s(hold.id), ":exp": I.n(I.ms(hold.expires_at))}
        put = {"TableName": self._t.name, "Item": I.hold_item(hold), "ConditionExpression": "attribute_not_exists(PK)"}
        txn: list[I.Item] = [{"Put": put}]
        for seat_id in hold.seat_ids:
            update = {
                "TableName": self._t.name,
                "Key": I.seat_key(hold.show_id, seat_id),
                "UpdateExpression": HOLD_SEAT,
                "ConditionExpression": SEAT_FREE,
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": ALL_OLD,
            }
            txn.append({"Update": update})
        try:
            cancelled = await transact_retrying(self._t.transact, txn, self._retry)
        except DependencyUnavailable as err:
            if await self._committed_or_fenced(hold, now):
                return
            err.evidence = {"basis": "outcome_unknown_then_fenced", "hold_id": hold.id}
            raise
        if cancelled is None or cancelled.code(0) == CONDITION_FAILED:
            # The hold item exists already: an earlier send of this very transaction committed (the client
            # resent it after a timeout). Hold ids are random, so the seats are this hold's.
            return
        seats = enumerate(hold.seat_ids, start=1)
        failed = {sid: cancelled.item(i) for i, sid in seats if cancelled.code(i) == CONDITION_FAILED}
        if failed:
            _refuse(hold, failed, now, basis="condition", attempts=cancelled.attempts)
        if not cancelled.contended:  # neither a condition nor contention: a malformed request, a bug
            raise DynamoError("TransactionCanceledException", "hold not stored", reasons=cancelled.reasons)
        # Conflicts outlasted the retries: that says nothing about the seats. Name only what a
        # strongly consistent read shows taken; if nothing is, the answer is contention, not unavailability.
        now_items = await self._seat_items(hold.show_id, hold.seat_ids)
        _refuse(hold, now_items, now, basis="consistent_read", attempts=cancelled.attempts)
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
        stored = await self._t.write("PutItem", Item=fence, ConditionExpression="attribute_not_exists(PK)")
        return not stored  # the condition failed: the hold is stored, the buyer has it

    async def _create_hold_unsafe(self, hold: Hold, now: datetime) -> None:
        """Deliberately naive read-then-write (labctl load --unsafe-locks): the race the checker catches."""
        seats = {st.seat_id: st for st in await query_seats(self._t, hold.show_id, consistent=True)}
        taken = [s for s in hold.seat_ids if s in seats and seats[s].effective_status(now) is not SeatStatus.AVAILABLE]
        if taken:
            raise SeatsUnavailable(taken, evidence={"basis": "read_then_write"})
        await asyncio.sleep(0.005)  # the window between check and write that real systems also have
        await self._t.call("PutItem", Item=I.hold_item(hold))
        values = {":held": I.s("held"), ":h": I.s(hold.id), ":exp": I.n(I.ms(hold.expires_at))}
        for seat_id in hold.seat_ids:
            await self._t.call(
                "UpdateItem",
                Key=I.seat_key(hold.show_id, seat_id),
                UpdateExpression=HOLD_SEAT,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
            )

    async def release_hold(self, hold: Hold, now: datetime, *, only_if_expired: bool = False) -> bool:
        """Free the seats this hold still owns, then mark it released.

        Seats first: a hold marked released never owns a seat, so a refusal can never rest on a released
        hold, and a release cut short (a conflict that outlasts the retries) leaves the hold active for a
        retry (the expiry message is delivered again).
        """
        if only_if_expired and hold.expires_at > now:
            return False
        await asyncio.gather(*(self._free_seat(hold, seat_id) for seat_id in hold.seat_ids))
        done = max(now, self._clock.now())  # the seats are free from here on: what the load checker needs
        values = {":active": I.s("active"), ":released": I.s("released"), ":done": I.n(I.ms(done))}
        cond = "#st = :active"
        if only_if_expired:
            cond += " AND expires_at <= :now"
            values[":now"] = I.n(I.ms(now))
        return await self._t.write(
            "UpdateItem",
            Key=I.hold_key(hold.id),
            UpdateExpression="SET #st = :released, released_at = :done",
            ConditionExpression=cond,
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues=values,
        )

    async def _free_seat(self, hold: Hold, seat_id: str) -> None:
        """Free one seat while this hold owns it (never a seat re-held or booked meanwhile).

        A plain write on an item an in-flight transaction holds is refused with TransactionConflict
        (a buyer is trying that seat right now): retried within the budget, then seat_lock_contended.
        """

        async def write() -> bool:
            try:
                await self._t.write(
                    "UpdateItem",
                    Key=I.seat_key(hold.show_id, seat_id),
                    UpdateExpression="SET #st = :available REMOVE hold_id, hold_expires_at",
                    ConditionExpression=HELD_BY_ME,
                    ExpressionAttributeNames={"#st": "status"},
                    ExpressionAttributeValues={
                        ":available": I.s("available"),
                        ":held": I.s("held"),
                        ":h": I.s(hold.id),
                    },
                )
            except DynamoError as err:
                if err.code != TRANSACTION_CONFLICT:
                    raise
                return False
            return True  # freed, or no longer this hold's (the condition failed): done either way

        attempts = await retry_conflicts(write, self._retry)
        if attempts is not None:
            evidence = {"basis": "conflicts_outlasted_retries", "attempts": attempts, "release_of": hold.id}
            raise SeatLockContended([seat_id], attempts=attempts, evidence=evidence)


def _refuse(hold: Hold, items: dict[str, I.Item | None], now: datetime, *, basis: str, attempts: int) -> None:
    """Raise for the seats `items` show taken (SeatsUnavailable) or not stored at all; else return."""
    evidence = {
        "basis": basis,
        "attempts": attempts,
        "seats": {sid: seat_evidence(it, now) for sid, it in items.items()},
    }
    missing = [sid for sid, it in items.items() if it is None]
    if missing:  # a show whose seats were never stored: nobody holds them, and nobody can
        raise DependencyUnavailable(
            f"Seats {', '.join(missing)} of show {hold.show_id} are not stored yet; retry shortly.", evidence=evidence
        )
    taken = [sid for sid, it in items.items() if seat_taken(it, now)]
    if taken:
        raise SeatsUnavailable(taken, evidence=evidence)
