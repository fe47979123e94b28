"""The origin secret: generated per lab, sent by CloudFront as X-Origin-Verify, known to the API only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.http import edge_guard
from api.settings import Settings
from infra.constructs import origin_secret
from tests.infra.conftest import MODES, SynthResult
from tests.infra.tpl import actions, flat, only, props, resources, statements

SECRET_REF = {"Ref": "OriginVerifySecret1DED2FB3"}


def _api_origin(result: SynthResult) -> dict[str, Any]:
    dist = props(only(result.stack("edge"), "AWS::CloudFront::Distribution"))["DistributionConfig"]
    (_, api) = dist["Origins"]
    return dict(api)


def test_infra_and_the_api_agree_on_the_header_and_the_settings() -> None:
    assert origin_secret.HEADER.lower().encode() == edge_guard.ORIGIN_HEADER
    fields = Settings.model_fields
    assert origin_secret.VALUE_ENV.lower() in fields
    assert origin_secret.ARN_ENV.lower() in fields


@pytest.mark.parametrize("mode", MODES)
def test_each_lab_generates_its_own_secret_in_the_lab_region(synth_results: dict[str, SynthResult], mode: str) -> None:
    compute = synth_results[mode].stack("compute")
    secret = resources(compute, "AWS::SecretsManager::Secret")["OriginVerifySecret1DED2FB3"]
    generated = props(secret)["GenerateSecretString"]
    assert generated == {"ExcludePunctuation": True, "IncludeSpace": False, "PasswordLength": 48}
    assert "SecretString" not in props(secret)  # never a literal in the template
    assert secret["DeletionPolicy"] == "Delete"


@pytest.mark.parametrize("mode", MODES)
def test_cloudfront_sends_the_secret_to_the_api_origin_only(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    dist = props(only(result.stack("edge"), "AWS::CloudFront::Distribution"))["DistributionConfig"]
    web, api = dist["Origins"]
    assert "OriginCustomHeaders" not in web
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert not isinstance(header["HeaderValue"], str)  # resolved at deploy time, never written down


def test_in_one_region_the_edge_reads_the_secret_through_a_dynamic_reference(
    synth_results: dict[str, SynthResult],
) -> None:
    result = synth_results["lambda"]  # us-east-1: the edge stack shares the lab region
    assert result.config.region == "us-east-1"
    value = flat(_api_origin(result)["OriginCustomHeaders"][0]["HeaderValue"])
    assert "{{resolve:secretsmanager:" in value
    assert ":SecretString:::}}" in value
    assert "OriginVerifySecret" in value
    assert resources(result.stack("edge"), "Custom::AWS") == {}


def test_across_regions_the_edge_reads_the_secret_once_per_deploy_without_logging_it(
    synth_results: dict[str, SynthResult],
) -> None:
    result = synth_results["fargate"]  # eu-west-1: the edge stack is in us-east-1
    edge = result.stack("edge")
    assert result.config.region == "eu-west-1"
    value = _api_origin(result)["OriginCustomHeaders"][0]["HeaderValue"]
    (read_id,) = [lid for lid, r in resources(edge, "Custom::AWS").items() if "getSecretValue" in flat(props(r))]
    assert value == {"Fn::GetAtt": [read_id, "SecretString"]}
    create = flat(props(resources(edge, "Custom::AWS")[read_id])["Create"])
    for part in (
        '\\"region\\":\\"eu-west-1\\"',
        '\\"logApiResponseData\\":false',
        '\\"service\\":\\"SecretsManager\\"',
    ):
        assert part in create
    grants = [s for p in resources(edge, "AWS::IAM::Policy").values() for s in props(p)["PolicyDocument"]["Statement"]]
    reads = [s for s in grants if "secretsmanager" in flat(s["Action"])]
    assert [s["Action"] for s in reads] == ["secretsmanager:GetSecretValue"]
    assert "OriginVerifySecret" in flat(reads[0]["Resource"])
    assert reads[0]["Resource"] != "*"


def test_on_lambda_only_the_api_function_can_read_the_origin_secret(synth_results: dict[str, SynthResult]) -> None:
    compute = synth_results["lambda"].stack("compute")
    functions = [props(f) for f in resources(compute, "AWS::Lambda::Function").values()]
    api = next(f for f in functions if "lambda_handler" in json.dumps(f.get("ImageConfig", {})))
    env = api["Environment"]["Variables"]
    assert env["ORIGIN_VERIFY_SECRET_ARN"] == SECRET_REF
    assert "ORIGIN_VERIFY_SECRET" not in env
    api_reads = [s for s in statements(compute, "ApiRole") if s.get("Resource") == SECRET_REF]
    assert [s["Action"] for s in api_reads] == [["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]]
    for role in ("HoldExpiryWorkerRole", "BookingEventsWorkerRole", "OutboxSweeperRole"):
        assert "OriginVerifySecret" not in flat(statements(compute, role)), role
        assert "secretsmanager:PutSecretValue" not in actions(statements(compute, role))
