"""DynamoDB's transaction-conflict rule, layered over DynamoDB Local (which never applies it).

DynamoDB Local runs every transaction under a table write lock, so two requests never overlap on an
item and it never answers TransactionConflict (measured: zero over thousands of contended holds). AWS
documents the rule it applies instead: a PutItem/UpdateItem/DeleteItem on an item that an ongoing
TransactWriteItems includes fails with TransactionConflictException, and a TransactWriteItems that
includes an item another ongoing TransactWriteItems includes is cancelled with `TransactionConflict`
for that item. `ConflictingClient` applies that rule to the requests it forwards (an item counts as
"ongoing" for as long as the transaction's call lasts), so tests meet the conflicts the lab cannot
produce, on real data and real conditions.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from api.adapters.dynamodb.client import DynamoClient, DynamoError

SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


def _key(table: str, key: dict[str, Any]) -> str:
    return table + json.dumps(key, sort_keys=True)


class ConflictingClient:
    """A DynamoClient forwarding to a real one; answers TransactionConflict where AWS would."""

    def __init__(self, inner: DynamoClient) -> None:
        self.inner = inner
        self._busy: Counter[str] = Counter()  # item key -> in-flight transactions that include it
        self.conflicts: Counter[str] = Counter()  # "transaction" / "write": requests refused by the rule

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "TransactWriteItems":
            keys = [_op_key(op) for entry in payload["TransactItems"] for op in entry.values()]
            if any(self._busy[k] for k in keys):
                self.conflicts["transaction"] += 1
                reasons = [{"Code": "TransactionConflict" if self._busy[k] else "None"} for k in keys]
                raise DynamoError("TransactionCanceledException", "conflict", reasons=reasons)
            return await self._holding(keys, action, payload)
        if action in SINGLE_WRITES and self._busy[_op_key(payload)]:
            self.conflicts["write"] += 1
            raise DynamoError("TransactionConflictException", "conflict")
        return await self.inner.call(action, payload)

    async def _holding(self, keys: list[str], action: str, payload: dict[str, Any]) -> dict[str, Any]:
        for k in keys:
            self._busy[k] += 1
        try:
            return await self.inner.call(action, payload)
        finally:
            for k in keys:
                self._busy[k] -= 1


def _op_key(op: dict[str, Any]) -> str:
    key = op.get("Key") or {"PK": op["Item"]["PK"], "SK": op["Item"]["SK"]}
    return _key(op["TableName"], key)
