"""boto3 clients for the local lab's endpoints (DynamoDB Local, the queue service, moto), made once each."""

from __future__ import annotations

import functools
from typing import Any

from labctl.local.services import DUMMY_CREDENTIAL, REGION


@functools.cache
def local_client(
    service: str, endpoint: str, region: str = REGION, read_timeout: float = 1.0, connect_timeout: float = 1.0
) -> Any:
    """A boto3 client per (service, endpoint, timeouts), one attempt a call: clients are thread-safe, slow to make."""
    import boto3
    from botocore.config import Config

    # its own session: boto3's default session is not safe to share between threads
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIAL,
        aws_secret_access_key=DUMMY_CREDENTIAL,
        config=Config(retries={"max_attempts": 1}, connect_timeout=connect_timeout, read_timeout=read_timeout),
    )


def boto_errors() -> tuple[type[Exception], ...]:
    """What a boto3 call raises when the endpoint is down or refuses (imported late: botocore is slow to load)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)
