"""The aiobotocore DynamoDB client: one per process, pooled, short timeouts, standard retries."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session


async def open_dynamodb(stack: AsyncExitStack, *, region: str, endpoint_url: str | None) -> Any:
    """Create the client inside `stack` (closed with it). Local endpoints get dummy credentials."""
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
