"""The request path's DynamoClient: aiodynamo's signed JSON requests (api/adapters/dynamodb/client.py).

Why not aiobotocore here: measured on the 2-core lab machine against DynamoDB Local, aiobotocore
spends 5.1-5.7 CPU ms on a 120-item Query and 1.8 ms on a GetItem (request building, event hooks,
signing, shape-by-shape response parsing); aiodynamo's `send_request` 1.3 and 0.5 ms for the same
bytes on the wire. During the release-day spike the API was CPU bound and py-spy put 69% of its
event loop inside aiobotocore's `_make_api_call` (docs/benchmarks.md, ADR 0013).

Service errors become `DynamoError` (code, CancellationReasons, Item); transport failures (connection
refused, timeouts, retries exhausted) `DependencyUnavailable`.
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
from yarl import URL

from api.adapters.dynamodb.client import DynamoError, Payload
from api.domain.errors import DependencyUnavailable

# aiodynamo retries throttling, 500/503 and transport errors itself; keep that inside a request's budget.
RETRY = DecorelatedJitterRetry(base_delay_secs=0.02, max_delay_secs=0.25, time_limit_secs=2)
# Errors that carry no body in aiodynamo: give them the code DynamoDB's JSON would have carried.
_BODILESS = {aerr.InternalDynamoError: "InternalServerError", aerr.ServiceUnavailable: "ServiceUnavailable"}


def dynamo_error(exc: Exception) -> DynamoError | None:
    """The DynamoError of an aiodynamo service error, or None for a transport failure."""
    for kind, code in _BODILESS.items():
        if isinstance(exc, kind):
            return DynamoError(code, code)
    body: Any = exc.args[0] if exc.args else None
    if isinstance(exc, aerr.UnknownError):
        return DynamoError(f"HTTP{exc.status}", exc.body[:300].decode(errors="replace"))
    if not isinstance(exc, aerr.AIODynamoError) or not isinstance(body, dict) or "__type" not in body:
        return None
    code = str(body["__type"]).rsplit("#", 1)[-1]  # "com.amazonaws.dynamodb.v20120810#ConditionalCheck..."
    message = str(body.get("message", body.get("Message", "")))
    return DynamoError(code, message, reasons=body.get("CancellationReasons"), item=body.get("Item"))


class AiodynamoClient:
    """DynamoClient over aiodynamo's `send_request`: one pooled session per process."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def call(self, action: str, payload: Payload) -> Payload:
        try:
            return await self._client.send_request(action=action, payload=payload)
        except (TimeoutError, aerr.AIODynamoError, RetryTimeout, aiohttp.ClientError, OSError) as exc:
            err = dynamo_error(exc)
            if err is None:
                cause = {"action": action, "cause": type(exc).__name__}  # timeout or transport: outcome unknown
                raise DependencyUnavailable(f"DynamoDB {action} failed: {type(exc).__name__}", evidence=cause) from exc
            raise err from exc


async def open_wire(
    stack: AsyncExitStack, *, region: str, endpoint_url: str | None, pool: int = 64, timeout_s: float = 5.0
) -> AiodynamoClient:
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
    return AiodynamoClient(client)
