"""Secrets Manager: the signing key and the origin secret, read once per process (Lambda has no ECS injection)."""

from __future__ import annotations

from api.domain.errors import DependencyUnavailable
from api.settings import DEV_SIGNING_KEY, Settings


async def read_secret(secret_id: str, *, region: str, endpoint_url: str | None = None) -> str:
    """The SecretString of secret_id; DependencyUnavailable when it cannot be read."""
    from aiobotocore.session import get_session  # only a Lambda reading its secrets pays for the import
    from botocore.exceptions import BotoCoreError, ClientError

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


async def with_secrets(settings: Settings) -> Settings:
    """Settings with the secrets named by *_SECRET_ARN read in (once, at cold start); unchanged when none is named."""
    wanted: dict[str, str] = {}
    if settings.confirmation_signing_key_secret_arn and settings.confirmation_signing_key == DEV_SIGNING_KEY:
        wanted["confirmation_signing_key"] = settings.confirmation_signing_key_secret_arn
    if settings.origin_verify_secret_arn and not settings.origin_verify_secret:
        wanted["origin_verify_secret"] = settings.origin_verify_secret_arn
    if not wanted:
        return settings
    update = {field: await read_secret(arn, region=settings.aws_region) for field, arn in wanted.items()}
    return settings.model_copy(update=update)
