"""Secrets Manager: the confirmation signing key, read once per process (Lambda has no ECS secret injection)."""

from __future__ import annotations

from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from api.domain.errors import DependencyUnavailable


async def read_secret(secret_id: str, *, region: str, endpoint_url: str | None = None) -> str:
    """The SecretString of secret_id; DependencyUnavailable when it cannot be read."""
    session = get_session()
    try:
        async with session.create_client("secretsmanager", region_name=region, endpoint_url=endpoint_url) as client:
            result = await client.get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as err:
        raise DependencyUnavailable(f"Secret {secret_id} could not be read: {type(err).__name__}") from err
    value = result.get("SecretString")
    if not value:
        raise DependencyUnavailable(f"Secret {secret_id} has no string value.")
    return str(value)
