"""The request path's DynamoDB client: aiodynamo's signed JSON requests behind aiobotocore's call surface.

Why not aiobotocore here: measured on the 2-core lab machine against DynamoDB Local, aiobotocore
spends 5.1-5.7 CPU ms on a 120-item Query and 1.8 ms on a GetItem (request building, event hooks,
signing, shape-by-shape response parsing); aiodynamo's `send_request` 1.3 and 0.5 ms for the same
bytes on the wire. During the release-day spike the API was CPU bound and py-spy put 69% of its
event loop inside aiobotocore's `_make_api_call` (docs/benchmarks.md, ADR 0013).

The wire format is the same low-level one (AttributeValue dicts), so DynamoStore and OutboxRelay keep
their code: this class offers the methods they call, and service errors come back as botocore's
`ClientError` with the same `response` shape (Error.Code, CancellationReasons, Item). Transport
failures (connection refused, timeouts, retries exhausted) become `DependencyUnavailable`.
Table management (create, waiters) stays on aiobotocore (api/adapters/dynamodb/client.py).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import aiohttp
from aiodynamo import errors as aerr
from aiodynamo.client import Client
from aiodynamo.credentials import Credentials, Key, StaticCredentials
from aiodynamo.http.aiohttp import AIOHTTP
from aiodynamo.models import DecorelatedJitterRetry, RetryTimeout
from botocore.exceptions import ClientError
from yarl import URL

from api.domain.errors import DependencyUnavailable

# aiodynamo retries throttling, 500/503 and transport errors itself; keep that inside a request's budget.
RETRY = DecorelatedJitterRetry(base_delay_secs=0.02, max_delay_secs=0.25, time_limit_secs=2)
# Errors that carry no body in aiodynamo: give them the code botocore would have reported.
_BODILESS = {aerr.InternalDynamoError: "InternalServerError", aerr.ServiceUnavailable: "ServiceUnavailable"}


def client_error(action: str, exc: Exception) -> ClientError | None:
    """The botocore ClientError equivalent of an aiodynamo service error, or None for a transport failure."""
    for kind, code in _BODILESS.items():
        if isinstance(exc, kind):
            return ClientError({"Error": {"Code": code, "Message": code}}, action)
    body: Any = exc.args[0] if exc.args else None
    if isinstance(exc, aerr.UnknownError):
        message = exc.body[:300].decode(errors="replace")
        return ClientError({"Error": {"Code": f"HTTP{exc.status}", "Message": message}}, action)
    if not isinstance(exc, aerr.AIODynamoError) or not isinstance(body, dict) or "__type" not in body:
        return None
    code = str(body["__type"]).rsplit("#", 1)[-1]  # "com.amazonaws.dynamodb.v20120810#ConditionalCheck..."
    response: dict[str, Any] = {"Error": {"Code": code, "Message": str(body.get("message", body.get("Message", "")))}}
    for key in ("CancellationReasons", "Item"):
        if key in body:
            response[key] = body[key]
    return ClientError(response, action)  # type: ignore[arg-type]


class DynamoWire:
    """The subset of the low-level DynamoDB API the store, the outbox relay and the seed use."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self._client.send_request(action=action, payload=payload)
        except (TimeoutError, aerr.AIODynamoError, RetryTimeout, aiohttp.ClientError, OSError) as exc:
            err = client_error(action, exc)
            if err is None:
                cause = {"action": action, "cause": type(exc).__name__}  # timeout or transport: outcome unknown
                raise DependencyUnavailable(f"DynamoDB {action} failed: {type(exc).__name__}", evidence=cause) from exc
            raise err from exc

    async def query(self, **kw: Any) -> dict[str, Any]:
        return await self.call("Query", kw)

    async def scan(self, **kw: Any) -> dict[str, Any]:
        return await self.call("Scan", kw)

    async def get_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("GetItem", kw)

    async def put_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("PutItem", kw)

    async def update_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("UpdateItem", kw)

    async def delete_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("DeleteItem", kw)

    async def transact_write_items(self, **kw: Any) -> dict[str, Any]:
        return await self.call("TransactWriteItems", kw)

    async def batch_write_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("BatchWriteItem", kw)

    async def batch_get_item(self, **kw: Any) -> dict[str, Any]:
        return await self.call("BatchGetItem", kw)

    async def describe_table(self, **kw: Any) -> dict[str, Any]:
        return await self.call("DescribeTable", kw)


async def open_wire(
    stack: AsyncExitStack, *, region: str, endpoint_url: str | None, pool: int = 64, timeout_s: float = 5.0
) -> DynamoWire:
    """One pooled client per process, closed with `stack`. Local endpoints get dummy credentials;
    on AWS the standard chain (environment: Lambda; container credentials: the ECS task role)."""
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool, keepalive_timeout=30),
        # Not `total`/`connect`: in aiohttp both include the wait for a free pooled connection, so a burst
        # of requests queued behind the pool would fail as "timeouts" although DynamoDB never saw them.
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=2, sock_read=timeout_s),
    )
    stack.push_async_callback(session.close)
    credentials: Credentials = StaticCredentials(Key("local", "local")) if endpoint_url else Credentials.auto()
    client = Client(
        AIOHTTP(session),
        credentials,
        region,
        endpoint=URL(endpoint_url) if endpoint_url else None,
        throttle_config=RETRY,
    )
    return DynamoWire(client)
