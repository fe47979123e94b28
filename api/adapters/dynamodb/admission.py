"""AdmissionStore on DynamoDB: the waiting room's two counters on one item (ADR 0022).

PK=WAITROOM#holds, SK=STATE: `issued` (ADD 1 per ticket, atomic), `serving` and `at_ms` (set only if
`serving` is still the value the writer read). One item takes up to 1,000 writes a second on AWS: the
tickets and a few advances a second per task, far below it.
"""

from __future__ import annotations

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.table import Table
from api.service.admission import RoomState

ROOM_KEY = I.key("WAITROOM#holds", "STATE")


def _state(item: I.Item | None) -> RoomState:
    if not item:
        return RoomState()
    num = {k: int(item[k]["N"]) for k in ("issued", "serving", "at_ms") if k in item}
    return RoomState(num.get("issued", 0), num.get("serving", 0), num.get("at_ms", 0))


class DynamoRoomStore:
    def __init__(self, table: Table) -> None:
        self._t = table

    async def state(self) -> RoomState:
        return _state(await self._t.get(ROOM_KEY, consistent=True))

    async def take_ticket(self, now_ms: int) -> RoomState:
        res = await self._t.call(
            "UpdateItem",
            Key=ROOM_KEY,
            UpdateExpression="ADD issued :one SET serving = if_not_exists(serving, :zero), "
            "at_ms = if_not_exists(at_ms, :now)",
            ExpressionAttributeValues={":one": I.n(1), ":zero": I.n(0), ":now": I.n(now_ms)},
            ReturnValues="ALL_NEW",
        )
        return _state(res.get("Attributes"))

    async def advance(self, seen: RoomState, serving: int, at_ms: int) -> bool:
        return await self._t.write(
            "UpdateItem",
            Key=ROOM_KEY,
            UpdateExpression="SET serving = :s, at_ms = :at",
            ConditionExpression="serving = :seen",
            ExpressionAttributeValues={":s": I.n(serving), ":at": I.n(at_ms), ":seen": I.n(seen.serving)},
        )
