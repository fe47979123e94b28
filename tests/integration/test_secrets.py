"""The signing key comes from Secrets Manager when only its ARN is configured (the Lambda mode)."""

from __future__ import annotations

import boto3
import pytest

from api.adapters.secrets import read_secret
from api.domain.errors import DependencyUnavailable
from api.service.notifications import verification_code
from tests.support.builders import booking_request, make_world


async def test_the_signing_key_is_read_from_secrets_manager(moto_server: str) -> None:
    sm = boto3.client("secretsmanager", endpoint_url=moto_server, region_name="us-east-1")
    arn = sm.create_secret(Name="lab-signing-key", SecretString="s3cr3t-key-from-sm")["ARN"]
    assert await read_secret(arn, region="us-east-1", endpoint_url=moto_server) == "s3cr3t-key-from-sm"
    with pytest.raises(DependencyUnavailable):
        await read_secret(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope", region="us-east-1", endpoint_url=moto_server
        )


async def test_the_notice_carries_a_code_only_the_key_holder_can_compute() -> None:
    w = await make_world()
    created = await w.services.holds.create(w.show_id, ["A1"])
    placed = await w.services.bookings.book("k-sign", booking_request(created.hold.hold_id))
    await w.services.notifications.send_confirmation(placed.booking.booking_id)
    notice = await w.services.bookings.confirmation(placed.booking.booking_id)
    booking = await w.store.get_booking(placed.booking.booking_id)
    assert booking is not None
    code = verification_code(w.services.settings.confirmation_signing_key, booking)
    assert len(code) == 16
    assert f"Verification code: {code}" in notice.text
    assert code != verification_code("another-key", booking)
