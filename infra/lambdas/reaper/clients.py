"""boto3 clients, one per service and region, created on first use (one set per invocation)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_ssm import SSMClient


class Aws:
    """The reaper's view of AWS: `home_region` is the control stack's (topic, outcome, itself)."""

    def __init__(self, home_region: str, session: boto3.Session | None = None) -> None:
        self.home_region = home_region
        self._session = session or boto3.Session()

    @cache  # noqa: B019 - one Aws per invocation; the cache dies with it
    def cfn(self, region: str) -> CloudFormationClient:
        return self._session.client("cloudformation", region_name=region)

    @cache  # noqa: B019
    def tagging(self, region: str) -> ResourceGroupsTaggingAPIClient:
        return self._session.client("resourcegroupstaggingapi", region_name=region)

    @cache  # noqa: B019
    def ec2(self, region: str) -> EC2Client:
        return self._session.client("ec2", region_name=region)

    @cache  # noqa: B019
    def s3(self, region: str) -> S3Client:
        return self._session.client("s3", region_name=region)

    @cache  # noqa: B019
    def sns(self) -> SNSClient:
        return self._session.client("sns", region_name=self.home_region)

    @cache  # noqa: B019
    def ssm(self) -> SSMClient:
        return self._session.client("ssm", region_name=self.home_region)

    @cache  # noqa: B019
    def lambda_(self) -> LambdaClient:
        return self._session.client("lambda", region_name=self.home_region)
