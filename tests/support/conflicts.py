"""DynamoDB's transaction-conflict rule, layered over DynamoDB Local (which never applies it).

DynamoDB Local runs every transaction under a table write lock, so two requests never overlap on an
item and it never answers TransactionConflict (measured: zero over thousands of contended holds). AWS
documents the rule it applies instead: a PutItem/UpdateItem/DeleteItem on an item that an ongoing
TransactWriteItems includes fails with TransactionConflictException, and a TransactWriteItems that
includes an item another ongoing write holds is cancelled with `TransactionConflict` for that item.
`ConflictingClient` applies that rule to the requests it forwards, so tests meet the conflicts the
lab cannot produce, on real data and real conditions.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError


def _key(table: str, key: dict[str, Any]) -> str:
    return table + json.dumps(key, sort_keys=True)


class ConflictingClient:
    """Forwards to a real low-level client; answers TransactionConflict where AWS would."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._busy: Counter[str] = Counter()  # item key -> in-flight writes that include it
        self.conflicts: Counter[str] = Counter()  # "transaction" / "write": requests refused by the rule

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def transact_write_items(self, **kw: Any) -> dict[str, Any]:
        keys = [
            _key(op["TableName"], op.get("Key") or _item_key(op["Item"]))
            for a in kw["TransactItems"]
            for op in a.values()
        ]
        if any(self._busy[k] for k in keys):
            self.conflicts["transaction"] += 1
            reasons = [{"Code": "TransactionConflict" if self._busy[k] else "None"} for k in keys]
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": reasons,
                },  # type: ignore[typeddict-unknown-key]
                "TransactWriteItems",
            )
        return await self._holding(keys, self._inner.transact_write_items(**kw))

    async def update_item(self, **kw: Any) -> dict[str, Any]:
        return await self._single("update_item", _key(kw["TableName"], kw["Key"]), kw)

    async def put_item(self, **kw: Any) -> dict[str, Any]:
        return await self._single("put_item", _key(kw["TableName"], _item_key(kw["Item"])), kw)

    async def _single(self, op: str, key: str, kw: dict[str, Any]) -> dict[str, Any]:
        if self._busy[key]:
            self.conflicts["write"] += 1
            raise ClientError({"Error": {"Code": "TransactionConflictException", "Message": "conflict"}}, op)
        result: dict[str, Any] = await self._holding([key], getattr(self._inner, op)(**kw))
        return result

    async def _holding(self, keys: list[str], call: Any) -> dict[str, Any]:
        for k in keys:
            self._busy[k] += 1
        try:
            result: dict[str, Any] = await call
            return result
        finally:
            for k in keys:
                self._busy[k] -= 1


def _item_key(item: dict[str, Any]) -> dict[str, Any]:
    return {"PK": item["PK"], "SK": item["SK"]}
