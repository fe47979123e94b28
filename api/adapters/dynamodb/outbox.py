"""OutboxStore on DynamoDB (ADR 0011): pending events on a sparse index, taken off it once relayed.

A pending outbox item carries GSI1PK=OUTBOX#PENDING (written in the booking's own transaction);
relaying it sends it to SQS and then REMOVEs GSI1PK. A crash between the two sends it twice:
consumers are idempotent. The relay and sweep logic is api/service/outbox.py.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import orjson

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import DynamoError
from api.adapters.dynamodb.table import Table
from api.domain.errors import DependencyUnavailable
from api.service.ports import Clock, OutboxEvent

log = logging.getLogger("api.outbox")


def parse_outbox_item(it: I.Item) -> OutboxEvent:
    payload = {str(k): str(v) for k, v in orjson.loads(it["payload"]["S"]).items()}
    return OutboxEvent(it["event_id"]["S"], it["event_type"]["S"], payload, I.from_ms(it["created_at"]["N"]))


class DynamoOutbox:
    def __init__(self, table: Table, clock: Clock) -> None:
        self._t = table
        self._clock = clock

    async def pending(self, older_than: timedelta, limit: int) -> list[OutboxEvent]:
        """Pending events created more than older_than ago, oldest first (GSI1, eventually consistent)."""
        cutoff = I.ms(self._clock.now() - older_than)
        res = await self._t.call(
            "Query",
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p AND GSI1SK < :cut",
            ExpressionAttributeValues={":p": I.s(I.OUTBOX_PENDING), ":cut": I.s(f"{cutoff}#")},
            Limit=limit,
        )
        return [parse_outbox_item(it) for it in res.get("Items", [])]

    async def mark_relayed(self, event_id: str, at: datetime) -> None:
        try:
            # Gone (TTL) is fine: the condition fails and nothing is written.
            await self._t.write(
                "UpdateItem",
                Key=I.key(f"OUTBOX#{event_id}", "EVENT"),
                UpdateExpression="SET relayed_at = :now REMOVE GSI1PK, GSI1SK",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":now": I.n(I.ms(at))},
            )
        except (DynamoError, DependencyUnavailable) as err:
            # Left pending: the sweep sends it again (consumers are idempotent).
            log.warning("outbox_mark_failed", extra={"event_id": event_id, "error": str(err)})
