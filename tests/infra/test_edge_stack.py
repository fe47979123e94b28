"""Edge stack (us-east-1): private bucket + OAC, CloudFront TLS/HTTP versions/behaviors, WAF, certificates."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest

from tests.infra.conftest import MODES, SynthResult
from tests.infra.tpl import flat, only, props, resources

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def _distribution(result: SynthResult) -> dict[str, Any]:
    config: dict[str, Any] = props(only(result.stack("edge"), "AWS::CloudFront::Distribution"))["DistributionConfig"]
    return config


@pytest.mark.parametrize("mode", MODES)
def test_the_edge_stack_is_deployed_to_us_east_1(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    manifest = json.loads((result.outdir / "manifest.json").read_text())
    edge = manifest["artifacts"][result.config.stack_name("edge")]
    assert edge["environment"].endswith("/us-east-1")
    compute = manifest["artifacts"][result.config.stack_name("compute")]
    assert compute["environment"].endswith(f"/{result.config.region}")


@pytest.mark.parametrize("mode", MODES)
def test_web_bucket_is_private_tls_only_and_read_by_cloudfront_through_oac(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    edge = synth_results[mode].stack("edge")
    bucket = only(edge, "AWS::S3::Bucket")
    assert props(bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["DeletionPolicy"] == "Delete"
    assert {"Key": "aws-cdk:auto-delete-objects", "Value": "true"} in props(bucket)["Tags"]
    stmts = props(only(edge, "AWS::S3::BucketPolicy"))["PolicyDocument"]["Statement"]
    deny = next(s for s in stmts if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    oac_read = next(s for s in stmts if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"})
    assert oac_read["Action"] == "s3:GetObject"
    assert "Distribution" in flat(oac_read["Condition"]["StringEquals"]["AWS:SourceArn"])
    oac = props(only(edge, "AWS::CloudFront::OriginAccessControl"))["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    deployment = props(only(edge, "Custom::CDKBucketDeployment"))
    assert deployment["DistributionPaths"] == ["/*"]


@pytest.mark.parametrize("mode", MODES)
def test_cloudfront_redirects_to_https_speaks_h2_and_h3_and_routes_api_uncached(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    result = synth_results[mode]
    dist = _distribution(result)
    assert dist["HttpVersion"] == "http2and3"
    default = dist["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    (api,) = dist["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["ViewerProtocolPolicy"] == "redirect-to-https"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    policy = props(only(result.stack("edge"), "AWS::CloudFront::OriginRequestPolicy"))["OriginRequestPolicyConfig"]
    assert "Idempotency-Key" in policy["HeadersConfig"]["Headers"]
    assert "Host" not in policy["HeadersConfig"]["Headers"]
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    headers = props(only(result.stack("edge"), "AWS::CloudFront::ResponseHeadersPolicy"))
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 63072000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert "frame-ancestors 'none'" in security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert default["ResponseHeadersPolicyId"] == api["ResponseHeadersPolicyId"]


def test_with_a_domain_cloudfront_uses_its_acm_certificate_and_tls_1_2_2021(
    synth_results: dict[str, SynthResult],
) -> None:
    result = synth_results["fargate"]
    dist = _distribution(result)
    assert dist["Aliases"] == ["tickets.example.com"]
    viewer = dist["ViewerCertificate"]
    assert viewer["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert viewer["SslSupportMethod"] == "sni-only"
    cert = props(only(result.stack("edge"), "AWS::CertificateManager::Certificate"))
    assert (cert["DomainName"], cert["ValidationMethod"]) == ("tickets.example.com", "DNS")
    records = sorted(props(r)["Type"] for r in resources(result.stack("edge"), "AWS::Route53::RecordSet").values())
    assert records == ["A", "AAAA"]
    (_, origin) = dist["Origins"]
    assert origin["DomainName"] == "origin.tickets.example.com"
    assert origin["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}


def test_without_a_domain_the_lambda_origin_is_the_http_api_over_https(synth_results: dict[str, SynthResult]) -> None:
    result = synth_results["lambda"]
    dist = _distribution(result)
    assert "Aliases" not in dist
    assert "ViewerCertificate" not in dist  # the default *.cloudfront.net certificate
    (_, origin) = dist["Origins"]
    assert "ApiEndpoint" in flat(origin["DomainName"])
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert resources(result.stack("edge"), "AWS::CertificateManager::Certificate") == {}


@pytest.mark.parametrize("mode", MODES)
def test_waf_has_managed_rules_and_a_rate_limit_on_hold_creation(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    result = synth_results[mode]
    acl = props(only(result.stack("edge"), "AWS::WAFv2::WebACL"))
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert list(rules) == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "HoldCreationRateLimit",
    ]
    for name in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
        statement = rules[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", name)
    limit = rules["HoldCreationRateLimit"]
    assert limit["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 429}}}
    rate = limit["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["AggregateKeyType"], rate["EvaluationWindowSec"]) == (
        result.config.hold_rate_limit,
        "IP",
        300,
    )
    matches = [s["ByteMatchStatement"] for s in rate["ScopeDownStatement"]["AndStatement"]["Statements"]]
    assert [(m["SearchString"], m["PositionalConstraint"], list(m["FieldToMatch"])) for m in matches] == [
        ("POST", "EXACTLY", ["Method"]),
        ("/api/shows/", "STARTS_WITH", ["UriPath"]),
        ("/holds", "ENDS_WITH", ["UriPath"]),
    ]
    assert [t["Type"] for t in sorted(matches[1]["TextTransformations"], key=lambda t: t["Priority"])] == [
        "URL_DECODE",
        "LOWERCASE",
    ]
    assert _distribution(result)["WebACLId"] == {
        "Fn::GetAtt": [next(iter(resources(result.stack("edge"), "AWS::WAFv2::WebACL"))), "Arn"]
    }


def _transform(value: bytes, kind: str) -> bytes:
    """One WAF text transformation, as AWS documents it (only the kinds this web ACL may use)."""
    if kind == "NONE":
        return value
    if kind == "URL_DECODE":
        return unquote_to_bytes(value)
    if kind == "LOWERCASE":
        return value.lower()
    raise AssertionError(f"no model of the WAF transformation {kind}: add one before relying on it")


def waf_matches(statement: dict[str, Any], method: str, path: str) -> bool:
    """Evaluate a scope-down statement (And of byte matches on Method / UriPath) on one request."""
    if "AndStatement" in statement:
        return all(waf_matches(s, method, path) for s in statement["AndStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    (field,) = match["FieldToMatch"]
    value = {"Method": method, "UriPath": path}[field].encode()
    for step in sorted(match["TextTransformations"], key=lambda t: t["Priority"]):
        value = _transform(value, step["Type"])
    wanted = match["SearchString"].encode()
    return {
        "EXACTLY": value == wanted,
        "STARTS_WITH": value.startswith(wanted),
        "ENDS_WITH": value.endswith(wanted),
        "CONTAINS": wanted in value,
    }[match["PositionalConstraint"]]


HOLD_CREATION = [
    "/api/shows/s1/holds",
    "/api/shows/s1/hold%73",  # 's' percent-encoded: the origin's server decodes it back to /holds
    "/api/shows/s1/%68olds",
    "/api/shows/s1/%68%6f%6c%64%73",
    "/API/Shows/s1/HOLDS",
    "/api/shows/s1/HOLD%53",
]
NOT_HOLD_CREATION = ["/api/shows/s1/seats", "/api/bookings", "/api/shows/s1/holds/h1", "/api/movies"]


@pytest.mark.parametrize("mode", MODES)
def test_the_hold_rate_rule_counts_every_spelling_of_the_hold_path(
    synth_results: dict[str, SynthResult], mode: str
) -> None:
    acl = props(only(synth_results[mode].stack("edge"), "AWS::WAFv2::WebACL"))
    (rule,) = [r for r in acl["Rules"] if r["Name"] == "HoldCreationRateLimit"]
    scope = rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]

    assert [p for p in HOLD_CREATION if not waf_matches(scope, "POST", p)] == []
    assert [p for p in NOT_HOLD_CREATION if waf_matches(scope, "POST", p)] == []
    assert not waf_matches(scope, "GET", "/api/shows/s1/holds")


def test_without_transformations_the_encoded_hold_path_would_slip_past_the_rule() -> None:
    raw = {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "ENDS_WITH",
            "SearchString": "/holds",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    assert waf_matches(raw, "POST", "/api/shows/s1/holds")
    assert not waf_matches(raw, "POST", "/api/shows/s1/hold%73")
