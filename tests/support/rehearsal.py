"""A lab deployed from its cloud assembly into moto's server through the CloudFormation API.

What `cdk deploy` does, done here against an AWS-shaped endpoint: the bootstrap's SSM version,
staging bucket and image repository; the file assets zipped and uploaded; each stack created from
its template (stubbed where moto cannot create a type, see cfn_stubs) with the lab's tags, the
control stack first. Image assets need Docker to build: each is registered as a manifest-only image
under its tag, so the Lambda functions and task definitions that name it can be created.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.cloudformation.models import cloudformation_backends
from moto.route53.models import route53_backends

from infra.lambdas.reaper.clients import Aws
from infra.lambdas.reaper.handler import run_reaper
from infra.lambdas.reaper.model import ReaperConfig
from tests.support.cfn_stubs import Prepared, prepare
from tests.support.reaper_lab import FakeTime

ACCOUNT = "123456789012"
QUALIFIER = "hnb659fds"


@dataclass
class Deployed:
    """What one lab's deploy produced: per stack, resources in the template / created / stubbed."""

    lab: str
    regions: dict[str, str]  # stack -> region
    prepared: dict[str, Prepared]
    created: dict[str, int] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # image assets registered without a build

    def figures(self) -> dict[str, Any]:
        """The rehearsal's numbers for this lab."""
        stubbed: dict[str, int] = {}
        for prep in self.prepared.values():
            for kind, count in prep.stubbed_types().items():
                stubbed[kind] = stubbed.get(kind, 0) + count
        return {
            "stacks": len(self.created),
            "resources": {
                name: {
                    "template": len(p.template["Resources"]),
                    "created": self.created.get(name, 0),
                    "stubbed": len(p.stubbed),
                }
                for name, p in self.prepared.items()
            },
            "stubbed_types": dict(sorted(stubbed.items())),
            "images_without_build": len(self.images),
        }


def bootstrap(sess: boto3.Session, regions: set[str]) -> None:
    """What `cdk bootstrap` leaves in each region that a deploy reads or writes (once per account and region)."""
    for region in sorted(regions):
        sess.client("ssm", region_name=region).put_parameter(
            Name=f"/cdk-bootstrap/{QUALIFIER}/version", Value="27", Type="String", Overwrite=True
        )
        s3 = sess.client("s3", region_name=region)
        bucket = f"cdk-{QUALIFIER}-assets-{ACCOUNT}-{region}"
        if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            where: Any = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket, **where)
        ecr = sess.client("ecr", region_name=region)
        repository = f"cdk-{QUALIFIER}-container-assets-{ACCOUNT}-{region}"
        if repository not in [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]:
            ecr.create_repository(repositoryName=repository)


def _place(text: str, region: str) -> str:
    return (
        text.replace("${AWS::AccountId}", ACCOUNT).replace("${AWS::Region}", region).replace("${AWS::Partition}", "aws")
    )


def publish_assets(sess: boto3.Session, outdir: Path, stack: str) -> list[str]:
    """Upload the stack's file assets (zip or file) and register its images; returns the image tags."""
    manifest = json.loads((outdir / f"{stack}.assets.json").read_text())
    for asset in manifest.get("files", {}).values():
        source = outdir / asset["source"]["path"]
        body = _zip(source) if asset["source"].get("packaging") == "zip" else source.read_bytes()
        for dest in asset["destinations"].values():
            s3 = sess.client("s3", region_name=dest["region"])
            s3.put_object(Bucket=_place(dest["bucketName"], dest["region"]), Key=dest["objectKey"], Body=body)
    tags = []
    for asset in manifest.get("dockerImages", {}).values():
        for dest in asset["destinations"].values():
            manifest_body = {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"size": 0, "digest": "sha256:" + dest["imageTag"]},
                "layers": [],
            }
            sess.client("ecr", region_name=dest["region"]).put_image(
                repositoryName=_place(dest["repositoryName"], dest["region"]),
                imageManifest=json.dumps(manifest_body),
                imageTag=dest["imageTag"],
            )
            tags.append(dest["imageTag"])
    return tags


def _zip(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def hosted_zone(sess: boto3.Session, zone_id: str, name: str) -> None:
    """The learner's public zone that `--domain` needs, under its real id (moto draws ids at random)."""
    created = sess.client("route53").create_hosted_zone(Name=name, CallerReference=zone_id)["HostedZone"]["Id"]
    backend = route53_backends[ACCOUNT]["global"]
    zone = backend.zones.pop(created.rsplit("/", 1)[-1])
    zone.resource_id = zone_id
    backend.zones[zone_id] = zone


def deploy(
    sess: boto3.Session,
    outdir: Path,
    templates: dict[str, dict[str, Any]],
    regions: dict[str, str],
    *,
    lab: str,
    skip: tuple[str, ...] = (),
) -> Deployed:
    """Create every stack (control first, as `labctl up` does, then in deploy order)."""
    order = sorted(regions, key=lambda n: (not n.endswith("-control"), list(regions).index(n)))
    bootstrap(sess, set(regions.values()))
    done = Deployed(lab, regions, {})
    tags: list[Any] = [{"Key": "lab:name", "Value": lab}, {"Key": "lab:owner", "Value": "rehearsal"}]
    for name in order:
        region = regions[name]
        prep = prepare(
            templates[name], region=region, account=ACCOUNT, known=_certificates(sess, templates[name], region)
        )
        done.prepared[name] = prep
        done.images += publish_assets(sess, outdir, name)
        if name in skip:
            continue
        cfn = sess.client("cloudformation", region_name=region)
        cfn.create_stack(
            StackName=name, TemplateBody=json.dumps(prep.template), Tags=tags, Capabilities=["CAPABILITY_IAM"]
        )
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE", (name, status)
        # GetTemplate answers with the template as synthesized, as CloudFormation would (moto got the stubbed one)
        cloudformation_backends[ACCOUNT][region].get_stack(name).template = json.dumps(templates[name])
        listed = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        done.created[name] = len(
            [r for r in listed if r["LogicalResourceId"] and r["LogicalResourceId"] not in prep.stubbed]
        )
        for lid, props in prep.custom_calls.items():
            _custom_call(sess, cfn, name, region, lid, props)
    return done


def _certificates(sess: boto3.Session, template: dict[str, Any], region: str) -> dict[str, str]:
    """ACM certificates requested through the ACM API (moto's CloudFormation has no such type), by logical id."""
    acm = sess.client("acm", region_name=region)
    return {
        lid: acm.request_certificate(DomainName=res["Properties"]["DomainName"], ValidationMethod="DNS")[
            "CertificateArn"
        ]
        for lid, res in template["Resources"].items()
        if res["Type"] == "AWS::CertificateManager::Certificate"
    }


def _custom_call(sess: boto3.Session, cfn: Any, stack: str, region: str, lid: str, props: dict[str, Any]) -> None:
    """What CDK's AwsCustomResource Lambda would do at create: make its SDK call (write calls only)."""
    call = json.loads(_resolve(sess, cfn, stack, region, props["Create"]))
    if call["service"] != "Scheduler":
        return  # the prefix-list lookup reads; its answer was stubbed as a literal
    params = call["parameters"]
    sess.client("scheduler", region_name=region).create_schedule(**params)


def _resolve(sess: boto3.Session, cfn: Any, stack: str, region: str, value: Any) -> str:
    """Evaluate Fn::Join / Ref / Fn::GetAtt(Arn) against the deployed stack (enough for Custom::AWS)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return str(sep).join(_resolve(sess, cfn, stack, region, p) for p in parts)
    resources = {r["LogicalResourceId"]: r for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    if "Ref" in value:
        pseudo = {"AWS::Region": region, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
        return pseudo.get(value["Ref"]) or str(resources[value["Ref"]]["PhysicalResourceId"])
    lid, attr = value["Fn::GetAtt"]
    if lid not in resources:  # a stubbed resource (e.g. CDK's cross-region exports reader): only read calls use it
        return f"stub-{lid}"
    res = resources[lid]
    assert attr == "Arn", value
    physical = res["PhysicalResourceId"]
    if res["ResourceType"] == "AWS::Lambda::Function":
        return str(
            sess.client("lambda", region_name=region).get_function(FunctionName=physical)["Configuration"][
                "FunctionArn"
            ]
        )
    if res["ResourceType"] == "AWS::IAM::Role":
        return str(sess.client("iam").get_role(RoleName=physical)["Role"]["Arn"])
    if res["ResourceType"] == "AWS::SQS::Queue":
        attrs = sess.client("sqs", region_name=region).get_queue_attributes(
            QueueUrl=physical, AttributeNames=["QueueArn"]
        )
        return str(attrs["Attributes"]["QueueArn"])
    raise AssertionError(f"cannot resolve {value}")


class _Handover:
    """Lambda's asynchronous invoke of the reaper by itself, delivered by the rehearsal (moto cannot run it)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, **kw: Any) -> None:
        assert kw["InvocationType"] == "Event"
        self.events.append(json.loads(kw["Payload"]))


def reap_as_scheduled(sess: boto3.Session, lab: str, region: str, time: FakeTime) -> list[dict[str, Any]]:
    """The reaper as its schedule invokes it: the schedule's input, the deployed function's environment and
    handler, 15 minutes per invocation on the fake clock, each handover delivered; the result of each."""
    schedule = sess.client("scheduler", region_name=region).get_schedule(Name=f"{lab}-expiry")
    target = schedule["Target"]
    function = sess.client("lambda", region_name=region).get_function_configuration(FunctionName=target["Arn"])
    assert function["Handler"] == "reaper.handler.handler"
    cfg = ReaperConfig.from_env({**function["Environment"]["Variables"], "AWS_REGION": region})
    handover = _Handover()
    aws = Aws(region, session=sess)
    setattr(aws, "lambda_", lambda: handover)  # noqa: B010 - replaces a cached method on this instance
    event: dict[str, Any] = json.loads(target["Input"])
    results = []
    while True:
        time.budget_ms = int(time.seconds() * 1000) + function["Timeout"] * 1000
        results.append(
            run_reaper(
                aws,
                cfg,
                event,
                remaining_ms=time.remaining_ms,
                function_name=function["FunctionName"],
                sleep=time.sleeps.append,
                clock=time.now,
            )
        )
        if results[-1]["status"] != "continuing":
            return results
        event = handover.events[-1]


def tagged(sess: boto3.Session, lab: str, regions: set[str]) -> list[str]:
    """Every ARN still tagged with the lab (moto's tagging API)."""
    arns = []
    for region in sorted(regions):
        pages = sess.client("resourcegroupstaggingapi", region_name=region).get_paginator("get_resources")
        for page in pages.paginate(TagFilters=[{"Key": "lab:name", "Values": [lab]}]):
            arns += [item["ResourceARN"] for item in page["ResourceTagMappingList"]]
    return arns
