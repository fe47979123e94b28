"""The id of the AWS-managed `com.amazonaws.global.cloudfront.origin-facing` prefix list.

Its id differs per region and a CDK lookup would need credentials at synth, so it is resolved at
deploy time by a read-only DescribeManagedPrefixLists call (AwsCustomResource).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.nag import acknowledge, acknowledge_sdk_provider
from infra.constructs.sdk_call import sdk_resource

PREFIX_LIST_NAME = "com.amazonaws.global.cloudfront.origin-facing"


class CloudFrontPrefixList(Construct):
    """Exposes `prefix_list_id`, a deploy-time token."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        call = cr.AwsSdkCall(
            service="EC2",
            action="describeManagedPrefixLists",
            parameters={"Filters": [{"Name": "prefix-list-name", "Values": [PREFIX_LIST_NAME]}]},
            physical_resource_id=cr.PhysicalResourceId.of(PREFIX_LIST_NAME),
            output_paths=["PrefixLists.0.PrefixListId"],
        )
        lookup = sdk_resource(
            self,
            "Lookup",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
        )
        self.prefix_list_id = lookup.get_response_field("PrefixLists.0.PrefixListId")
        acknowledge(
            lookup,
            (
                "AwsSolutions-IAM5[Resource::*]",
                "ec2:DescribeManagedPrefixLists does not support resource-level permissions; the call is read-only.",
            ),
        )
        acknowledge_sdk_provider(cdk.Stack.of(self))
