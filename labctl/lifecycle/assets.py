"""What `labctl down` deliberately leaves in the account, and what `--purge-assets` removes.

`cdk deploy` uploads the lab's Lambda code and files to the CDK bootstrap staging bucket and its
images to the bootstrap repository; CloudFormation never deletes them (a later deploy reuses them,
a rollback needs them). They are shared by content hash: another stack built from the same code
uses the same object, so a purge keeps every asset another live stack still references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.lambdas.reaper.model import outcome_parameter
from infra.lambdas.reaper.passes import asset_refs
from labctl.cost.leftovers import asset_image_usd_month, asset_object_usd_month

QUALIFIER = "hnb659fds"  # `cdk bootstrap`'s default
LIVE_SKIP = ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS")


@dataclass(frozen=True)
class Left:
    """One thing that stays after `labctl down`: where it is, its size, its monthly cost, why it stays."""

    kind: str  # asset object | asset image | outcome parameter | bootstrap stack
    where: str
    size_bytes: int
    usd_month: float
    why: str
    region: str = ""
    ref: str = ""  # the asset reference (s3:<key> / ecr:<tag>) for assets

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "usd_month": round(self.usd_month, 6)}


def staging_bucket(account: str, region: str) -> str:
    """The CDK bootstrap bucket of file assets."""
    return f"cdk-{QUALIFIER}-assets-{account}-{region}"


def image_repository(account: str, region: str) -> str:
    """The CDK bootstrap repository of image assets."""
    return f"cdk-{QUALIFIER}-container-assets-{account}-{region}"


def used_elsewhere(sess: boto3.Session, regions: list[str], lab_stacks: set[str]) -> dict[str, dict[str, str]]:
    """region -> asset reference -> a live stack outside the lab that uses it."""
    found: dict[str, dict[str, str]] = {}
    for region in regions:
        cfn = sess.client("cloudformation", region_name=region)
        for page in cfn.get_paginator("list_stacks").paginate():
            for summary in page["StackSummaries"]:
                name = summary["StackName"]
                if name in lab_stacks or summary["StackStatus"] in LIVE_SKIP:
                    continue
                body: Any = cfn.get_template(StackName=name)["TemplateBody"]
                for ref in asset_refs(body):
                    found.setdefault(region, {}).setdefault(ref, name)
    return found


def inventory(sess: boto3.Session, lab: str, account: str, assets: Mapping[str, list[str]], home: str) -> list[Left]:
    """Each of the lab's assets that still exists, sized and priced; then the parameter and bootstrap stack."""
    items: list[Left] = []
    for region, refs in sorted(assets.items()):
        s3 = sess.client("s3", region_name=region)
        ecr = sess.client("ecr", region_name=region)
        for ref in refs:
            kind, _, name = ref.partition(":")
            if kind == "s3":
                bucket = staging_bucket(account, region)
                try:
                    size = int(s3.head_object(Bucket=bucket, Key=name)["ContentLength"])
                except ClientError:
                    continue  # already gone
                usd = asset_object_usd_month(size, region)
                where = f"s3://{bucket}/{name}"
                items.append(Left("asset object", where, size, usd, "CDK keeps deployed code", region, ref))
            elif kind == "ecr":
                repo = image_repository(account, region)
                try:
                    image = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": name}])["imageDetails"][0]
                except ClientError:
                    continue
                size = int(image.get("imageSizeInBytes", 0))
                usd = asset_image_usd_month(size, region)
                items.append(Left("asset image", f"{repo}:{name}", size, usd, "CDK keeps deployed images", region, ref))
    why = "what the reaper or `labctl down` did last (`labctl status` reads it); a standard parameter is free"
    items.append(Left("outcome parameter", outcome_parameter(lab), 0, 0.0, why, home))
    regions = ", ".join(sorted(assets) or [home])
    why = "the CDK bootstrap (staging bucket, image repository, roles) is shared by every CDK app of the account"
    items.append(Left("bootstrap stack", f"CDKToolkit in {regions}", 0, 0.0, why))
    return items


def purge(sess: boto3.Session, items: list[Left], shared: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Delete the lab's asset objects and images that no other live stack uses; says what it did with each."""
    report: list[str] = []
    for item in items:
        if item.kind not in ("asset object", "asset image"):
            continue
        user = shared.get(item.region, {}).get(item.ref)
        if user:
            report.append(f"kept {item.where}: still used by stack {user}")
            continue
        if item.kind == "asset object":
            bucket, key = item.where.removeprefix("s3://").split("/", 1)
            sess.client("s3", region_name=item.region).delete_object(Bucket=bucket, Key=key)
        else:
            repo, tag = item.where.rsplit(":", 1)
            ecr = sess.client("ecr", region_name=item.region)
            ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": tag}])
        report.append(f"deleted {item.where}")
    return report
