"""The DynamoDB client of the adapters: one small protocol, one error type, two implementations.

`DynamoClient.call(action, payload)` sends one low-level request (AttributeValue JSON, the wire format)
and raises `DynamoError` for a service error or `DependencyUnavailable` when the request did not get an
answer (connection refused, timeouts, retries exhausted). The request path uses aiodynamo (wire.py,
3-4x less CPU per call, ADR 0013); `BotocoreClient` does the same over aiobotocore (DYNAMODB_CLIENT=
botocore, for comparison). Table management (create, waiters) uses the raw aiobotocore client.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, Protocol

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from api.domain.errors import DependencyUnavailable

Payload = dict[str, Any]  # a low-level request or response body, as DynamoDB's JSON API has it


class DynamoError(Exception):
    """A DynamoDB service error: its code, the cancellation reasons of a cancelled transaction and the
    item a failed condition returned (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        reasons: list[Payload] | None = None,
        item: Payload | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.reasons: list[Payload] = reasons or []
        self.item = item


class DynamoClient(Protocol):
    async def call(self, action: str, payload: Payload) -> Payload:
        """Send one request ("GetItem", {...}); raises DynamoError or DependencyUnavailable."""
        ...


class BotocoreClient:
    """DynamoClient over an aiobotocore client (its standard retries included)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    async def call(self, action: str, payload: Payload) -> Payload:
        try:
            result: Payload = await getattr(self._client, xform_name(action))(**payload)
        except ClientError as err:
            body: Any = err.response
            error = body.get("Error", {})
            raise DynamoError(
                str(error.get("Code", "")),
                str(error.get("Message", "")),
                reasons=body.get("CancellationReasons"),
                item=body.get("Item"),
            ) from err
        except BotoCoreError as err:
            raise DependencyUnavailable(
                f"DynamoDB {action} failed: {type(err).__name__}",
                evidence={"action": action, "cause": type(err).__name__},
            ) from err
        return result


async def open_dynamodb(stack: AsyncExitStack, *, region: str, endpoint_url: str | None) -> Any:
    """The raw aiobotocore client, inside `stack` (closed with it): table management and BotocoreClient.

    Local endpoints get dummy credentials; short timeouts and standard retries."""
    config = AioConfig(
        max_pool_connections=64,
        connect_timeout=2,
        read_timeout=5,
        retries={"mode": "standard", "total_max_attempts": 3},
    )
    kwargs: dict[str, Any] = {"region_name": region, "config": config}
    if endpoint_url:
        kwargs |= {"endpoint_url": endpoint_url, "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return await stack.enter_async_context(get_session().create_client("dynamodb", **kwargs))
