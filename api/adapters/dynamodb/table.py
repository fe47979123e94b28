"""The single table as the adapters use it: every request names it, and DynamoDB's errors are sorted once.

Transient service errors (throttling, a missing table, 5xx) become `DependencyUnavailable`; a failed
condition is an answer (`write` returns False); a cancelled transaction returns its reasons; anything
else is a bug and stays a `DynamoError`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.client import DynamoClient, DynamoError, Payload
from api.domain.errors import DependencyUnavailable

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
CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELLED = "TransactionCanceledException"
TRANSACTION_CONFLICT = "TransactionConflictException"  # a plain write on an item a transaction holds
BATCH_ATTEMPTS = 8  # unprocessed keys/items of a batch are sent again, with backoff


class Table:
    def __init__(self, client: DynamoClient, name: str) -> None:
        self.client = client
        self.name = name

    async def send(self, action: str, payload: Payload) -> Payload:
        """One request as given (transactions and batches name their tables inside)."""
        try:
            return await self.client.call(action, payload)
        except DynamoError as err:
            if err.code in TRANSIENT:
                raise DependencyUnavailable(
                    f"DynamoDB {action} failed: {err.code}", evidence={"action": action, "cause": err.code}
                ) from err
            raise

    async def call(self, action: str, **params: Any) -> Payload:
        """One request on this table ("GetItem", Key=...)."""
        return await self.send(action, {"TableName": self.name, **params})

    async def ping(self) -> None:
        """Readiness: the table answers."""
        try:
            await self.call("DescribeTable")
        except DynamoError as err:
            raise DependencyUnavailable(f"DynamoDB table {self.name} is not usable: {err.code}") from err

    async def get(self, key: I.Item, *, consistent: bool = False) -> I.Item | None:
        res = await self.call("GetItem", Key=key, ConsistentRead=consistent)
        item: I.Item | None = res.get("Item")
        return item

    async def write(self, action: str, **params: Any) -> bool:
        """A conditional PutItem/UpdateItem/DeleteItem: False when its condition failed."""
        try:
            await self.call(action, **params)
        except DynamoError as err:
            if err.code == CONDITION_FAILED:
                return False
            raise
        return True

    async def query_all(self, **params: Any) -> list[I.Item]:
        """Every page of a Query."""
        out: list[I.Item] = []
        while True:
            page = await self.call("Query", **params)
            out.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return out
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def transact(self, items: list[Payload]) -> list[Payload] | None:
        """Run a TransactWriteItems: None when it committed, else its CancellationReasons (one per item)."""
        try:
            await self.send("TransactWriteItems", {"TransactItems": items})
        except DynamoError as err:
            if err.code != TRANSACTION_CANCELLED:
                raise
            return err.reasons
        return None

    async def batch_get(self, keys: list[I.Item], *, consistent: bool) -> list[I.Item]:
        """The items of keys that exist (one BatchGetItem, unprocessed keys sent again)."""
        found: list[I.Item] = []
        request: Payload = {self.name: {"Keys": keys, "ConsistentRead": consistent}}
        for attempt in range(BATCH_ATTEMPTS):
            res = await self.send("BatchGetItem", {"RequestItems": request})
            found.extend(res.get("Responses", {}).get(self.name, []))
            request = res.get("UnprocessedKeys") or {}
            if not request:
                return found
            await asyncio.sleep(0.02 * 2**attempt)
        raise DependencyUnavailable("DynamoDB kept throttling a batch read.")

    async def batch_put(self, items: list[I.Item]) -> None:
        """Unconditional puts of up to 25 items (one BatchWriteItem, unprocessed items sent again)."""
        request: Payload = {self.name: [{"PutRequest": {"Item": it}} for it in items]}
        for attempt in range(BATCH_ATTEMPTS):
            res = await self.send("BatchWriteItem", {"RequestItems": request})
            request = res.get("UnprocessedItems") or {}
            if not request:
                return
            await asyncio.sleep(0.05 * 2**attempt)
        raise DependencyUnavailable("DynamoDB kept throttling a batch write.")
