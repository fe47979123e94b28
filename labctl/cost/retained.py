"""What outlives `labctl down` on purpose, and what it costs: the CDK bootstrap's copies of the lab's assets.

`cdk deploy` pushes the API image to the bootstrap ECR repository (`cdk-hnb659fds-container-assets-
<account>-<region>`) and every file asset (Lambda code, the web/ zip, the AWS CLI layer of the web
deployment, the templates) to the bootstrap bucket (`cdk-hnb659fds-assets-<account>-<region>`).
Deleting the stacks leaves them, so the next `labctl up` uploads only what changed; they bill as
storage until removed (`labctl down --purge-assets`).

`labctl down` prices what it measured (`RetainedAssets(..., measured=True)`); the estimate prices what
the templates reference, with the sizes below assumed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from labctl.cost.model import Hourly, Line
from labctl.cost.prices import PriceTable
from labctl.cost.templates import Templates

MB = 10**6
GB = 10**9
# The image's compressed layers as ECR stores them: python:3.11-slim (~45 MB) + the API's dependencies
# (33 MB gzipped as installed here, plus their bytecode). An assumption: no Docker daemon measured it.
IMAGE_BYTES = 90 * MB
# Measured on this repository's synthesized lab: 13 objects, 22.3 MB zipped, of which the AWS CLI layer
# of the web deployment is 22.0 MB.
OBJECT_BYTES = 22_300_000
_IMAGE_TAG = re.compile(r'":([0-9a-f]{64})"')  # the ":<hash>" tail of an image URI built by Fn::Join
_OBJECT_KEY = re.compile(r"([0-9a-f]{64})\.(?:zip|json)")
ECR = "AWS::ECR::Repository"
S3 = "AWS::S3::Bucket"


@dataclass(frozen=True)
class RetainedAssets:
    """Images in the bootstrap ECR repository and objects in the bootstrap bucket, with their sizes."""

    images: int
    image_bytes: int
    objects: int
    object_bytes: int
    measured: bool = False

    @property
    def image_gb(self) -> float:
        return self.image_bytes / GB

    @property
    def object_gb(self) -> float:
        return self.object_bytes / GB


def assets_of(templates: Templates) -> RetainedAssets:
    """What deploying these templates leaves in the bootstrap repository and bucket (sizes assumed)."""
    text = {stack: json.dumps(t, separators=(",", ":")) for stack, t in templates.items()}
    tags = {tag for t in text.values() for tag in _IMAGE_TAG.findall(t)}
    keys = {key for t in text.values() for key in _OBJECT_KEY.findall(t)}
    objects = len(keys) + len(templates) if keys else 0  # each template is uploaded beside its assets
    return RetainedAssets(
        images=len(tags),
        image_bytes=len(tags) * IMAGE_BYTES,
        objects=objects,
        object_bytes=OBJECT_BYTES if objects else 0,
    )


def retained_items(assets: RetainedAssets) -> list[Hourly]:
    """Storage fees of the retained assets, as hourly items (GB stored, the monthly fee prorated)."""
    items = []
    if assets.images:
        items.append(Hourly(ECR, "cdk-hnb659fds-container-assets", "(bootstrap)", "ecr_gb_month", assets.image_gb))
    if assets.objects:
        items.append(Hourly(S3, "cdk-hnb659fds-assets", "(bootstrap)", "s3_gb_month", assets.object_gb))
    return [
        Hourly(i.resource, i.logical_id, i.stack, i.price_key, i.per_hour, monthly_fee=True, kind="retained")
        for i in items
    ]


def retained_lines(prices: PriceTable, assets: RetainedAssets) -> list[Line]:
    """One line per kind of retained asset, priced for one month (what `labctl down` prints)."""
    return [item.line(prices, prices.hours_per_month) for item in retained_items(assets)]


def per_month_usd(prices: PriceTable, assets: RetainedAssets) -> float:
    """What the retained assets cost per month until they are purged."""
    return sum(line.usd for line in retained_lines(prices, assets))


def assumption(prices: PriceTable, assets: RetainedAssets) -> str:
    """The estimate's sentence about what `labctl down` leaves."""
    return (
        f"left after `labctl down` on purpose (the next `up` reuses them): the API image (~{IMAGE_BYTES // MB} MB, "
        f"assumed) in the CDK bootstrap ECR repository and ~{OBJECT_BYTES / MB:.0f} MB of asset objects in its "
        f"bucket: ${per_month_usd(prices, assets):.4f}/month until `labctl down --purge-assets`"
    )


def describe(prices: PriceTable, assets: RetainedAssets) -> list[str]:
    """One sentence per kind of retained asset, with its size and monthly cost."""
    how = "measured" if assets.measured else "assumed"
    sizes = {ECR: (assets.images, "image", assets.image_bytes), S3: (assets.objects, "object", assets.object_bytes)}
    out = []
    for line in retained_lines(prices, assets):
        count, noun, size = sizes[line.resource]
        where = "ECR repository" if line.resource == ECR else "S3 bucket"
        out.append(
            f"{count} {noun}{'s' if count != 1 else ''} in the CDK bootstrap {where} ({size / MB:,.1f} MB, {how}): "
            f"${line.usd:.4f}/month until `labctl down --purge-assets`"
        )
    return out
