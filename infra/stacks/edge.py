"""Edge stack (us-east-1): S3 + CloudFront (OAC) for web/, /api/* to the ALB or HTTP API, WAF, ACM.

CloudFront's web ACL and certificate must be in us-east-1, so this stack always is; when the lab
region differs, the API origin's host name arrives through a CDK cross-region reference (ADR 0004).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import LabConfig, web_bucket_name
from infra.constructs.edge_nag import acknowledge_edge_findings
from infra.constructs.log_group import lab_log_group
from infra.constructs.origin_secret import HEADER as ORIGIN_HEADER
from infra.constructs.origin_secret import OriginSecretValue
from infra.constructs.web_acl import EdgeWebAcl
from infra.stacks.compute import ComputeStack

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
# Headers the API needs from the viewer; Host is left out so the origin sees its own name.
API_FORWARDED_HEADERS = ["Idempotency-Key", "Content-Type", "Accept", "Origin", "X-Request-Id"]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
)


class EdgeStack(cdk.Stack):
    """Public attributes: `bucket`, `distribution`, `web_acl`, `certificate` (None without a domain)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: LabConfig, compute: ComputeStack, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bucket = s3.Bucket(
            self,
            "WebBucket",
            bucket_name=web_bucket_name(config.lab_name, self.account),  # exact: the reaper may empty it, no other
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        self.web_acl = EdgeWebAcl(self, "Waf", name=f"{config.lab_name}-edge", hold_rate_limit=config.hold_rate_limit)
        zone = None
        self.certificate: acm.ICertificate | None = None
        if config.domain_name is not None:
            assert config.hosted_zone_id is not None
            assert config.hosted_zone_name is not None
            zone = route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=config.hosted_zone_name
            )
            self.certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=config.domain_name,
                validation=acm.CertificateValidation.from_dns(zone),
            )
        security_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="HSTS, CSP, nosniff, frame DENY, strict referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(730),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
        )
        api_requests = cloudfront.OriginRequestPolicy(
            self,
            "ApiRequests",
            comment="API: forward Idempotency-Key and the content headers, all query strings",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(*API_FORWARDED_HEADERS),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{config.lab_name}: web UI and /api",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=security_headers,
                compress=True,
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=self._api_origin(config, compute),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=api_requests,
                    response_headers_policy=security_headers,
                )
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Settable only with a custom certificate; *.cloudfront.net keeps CloudFront's default.
            minimum_protocol_version=(cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if self.certificate else None),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            web_acl_id=self.web_acl.arn,
            certificate=self.certificate,
            domain_names=[config.domain_name] if config.domain_name else None,
        )
        if zone is not None and config.domain_name is not None:
            alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution))
            route53.ARecord(self, "AliasA", zone=zone, record_name=config.domain_name, target=alias)
            route53.AaaaRecord(self, "AliasAaaa", zone=zone, record_name=config.domain_name, target=alias)
        deploy_logs = lab_log_group(self, "DeployLogs")
        s3deploy.BucketDeployment(
            self,
            "WebDeployment",
            sources=[s3deploy.Source.asset(str(WEB_DIR))],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            log_group=deploy_logs,
            memory_limit=256,
        )
        cdk.CfnOutput(self, "Url", value=f"https://{config.domain_name or self.distribution.domain_name}")
        cdk.CfnOutput(self, "DistributionId", value=self.distribution.distribution_id)
        acknowledge_edge_findings(self, config)

    def _api_origin(self, config: LabConfig, compute: ComputeStack) -> cloudfront.IOrigin:
        # The API refuses requests without this header: only this distribution (and its WAF) gets through.
        secret = OriginSecretValue(self, "OriginSecret", secret=compute.origin_secret, region=config.region)
        headers = {ORIGIN_HEADER: secret.value}
        if compute.lambda_api is not None:
            return origins.HttpOrigin(
                compute.lambda_api.origin_domain_name,
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                custom_headers=headers,
            )
        assert compute.fargate is not None
        if config.origin_domain_name is not None:
            return origins.HttpOrigin(
                config.origin_domain_name,
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                custom_headers=headers,
            )
        # Without a domain the ALB has no certificate: the CloudFront->ALB leg is HTTP, header included
        # (docs/security.md, ADR 0014).
        return origins.HttpOrigin(
            compute.fargate.load_balancer.load_balancer_dns_name,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            custom_headers=headers,
        )
