"""The signing key and the origin secret come from Secrets Manager when only their ARNs are configured (Lambda)."""

from __future__ import annotations

import boto3
import httpx
import pytest

from api.adapters.secrets import read_secret
from api.bootstrap import build_services
from api.domain.errors import DependencyUnavailable
from api.http.app import create_app
from api.service.notifications import verification_code
from api.settings import Settings
from tests.support.builders import book, booking_request, create_hold, make_world, read_confirmation


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
    created = await create_hold(w, w.show_id, ["A1"])
    placed = await book(w, "k-sign", booking_request(created.hold.hold_id))
    await w.services.notifications.send_confirmation(placed.booking.booking_id)
    notice = await read_confirmation(w, placed.booking.booking_id)
    booking = await w.store.get_booking(placed.booking.booking_id)
    assert booking is not None
    code = verification_code(w.services.settings.confirmation_signing_key, booking)
    assert len(code) == 16
    assert f"Verification code: {code}" in notice.text
    assert code != verification_code("another-key", booking)


async def test_on_lambda_the_origin_secret_is_read_at_cold_start_and_guards_the_app(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sm = boto3.client("secretsmanager", endpoint_url=moto_server, region_name="us-east-1")
    arn = sm.create_secret(Name="lab-origin-verify", SecretString="from-secrets-manager")["ARN"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    settings = Settings(store="dynamodb", dynamodb_endpoint_url=moto_server, origin_verify_secret_arn=arn)

    services = await build_services(settings)
    try:
        assert services.settings.origin_verify_secret == "from-secrets-manager"
        app = create_app(settings, services=services, observers=[])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            assert (await client.get("/api/openapi.json")).status_code == 403
            ok = await client.get("/api/openapi.json", headers={"X-Origin-Verify": "from-secrets-manager"})
            assert ok.status_code == 200
    finally:
        await services.aclose()
