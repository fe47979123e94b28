"""The CloudFront WAF web ACL (scope CLOUDFRONT, so it must live in us-east-1).

Rules: AWS managed common rules, known bad inputs, and a per-IP rate limit on hold creation
(POST /api/shows/{id}/holds), answered with 429 so load tests see the limit as it is. The URI is
matched after URL-decoding and lowercasing it: `/hold%73` and `/%68olds` are the same resource to the
origin's HTTP server, so they count against the same limit (and the API refuses them, 400).
"""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

HOLD_PATH_PREFIX = "/api/shows/"
HOLD_PATH_SUFFIX = "/holds"
RATE_WINDOW_SECONDS = 300
# Applied in priority order before matching the URI; the search strings are lowercase and decoded.
URI_TRANSFORMATIONS = ("URL_DECODE", "LOWERCASE")


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=name)
        ),
        visibility_config=_visibility(name),
    )


def _match(
    field: wafv2.CfnWebACL.FieldToMatchProperty, text: str, where: str, transformations: tuple[str, ...] = ("NONE",)
) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field,
            positional_constraint=where,
            search_string=text,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=i, type=t) for i, t in enumerate(transformations)
            ],
        )
    )


def _hold_rate_rule(limit: int, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    uri = wafv2.CfnWebACL.FieldToMatchProperty(uri_path={})
    method = wafv2.CfnWebACL.FieldToMatchProperty(method={})
    scope_down = wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _match(method, "POST", "EXACTLY"),
                _match(uri, HOLD_PATH_PREFIX, "STARTS_WITH", URI_TRANSFORMATIONS),
                _match(uri, HOLD_PATH_SUFFIX, "ENDS_WITH", URI_TRANSFORMATIONS),
            ]
        )
    )
    return wafv2.CfnWebACL.RuleProperty(
        name="HoldCreationRateLimit",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=429)
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit,
                aggregate_key_type="IP",
                evaluation_window_sec=RATE_WINDOW_SECONDS,
                scope_down_statement=scope_down,
            )
        ),
        visibility_config=_visibility("HoldCreationRateLimit"),
    )


class EdgeWebAcl(Construct):
    """Exposes `web_acl` (CfnWebACL) and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, hold_rate_limit: int) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=[
                _managed("AWSManagedRulesCommonRuleSet", 0),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
                _hold_rate_rule(hold_rate_limit, 2),
            ],
        )
        self.arn = self.web_acl.attr_arn
