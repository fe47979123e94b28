"""Why a stack failed to delete, and the fixes the reaper may make before it retries.

CloudFormation's DELETE_FAILED names the resource and a reason; what actually holds it is found
here: objects (every version) in one of the lab's own buckets, a network interface still in a
subnet or security group, another group's rule that references a group. Fixed: the lab's buckets
are emptied, unattached network interfaces deleted, rules of the lab's own groups removed. An
interface in use is left to its owner (ELB, ECS, Lambda release theirs minutes after their
service is deleted): the retry with backoff waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .model import Failure, ReaperConfig, StackRef

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_s3 import S3Client

    from .clients import Aws

REASON_CHARS = 300  # CloudFormation reasons can be long; the outcome parameter holds 4 KB


def failed_resources(cfn: CloudFormationClient, name: str) -> list[Failure]:
    """Resources that failed to delete in the stack's latest delete attempt, with the reason."""
    found: dict[str, Failure] = {}
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=name):
        for ev in page["StackEvents"]:  # newest first
            is_stack = ev.get("LogicalResourceId") == name
            if is_stack and ev.get("ResourceStatus") == "DELETE_IN_PROGRESS":
                return list(found.values())
            if not is_stack and ev.get("ResourceStatus") == "DELETE_FAILED":
                lid = ev["LogicalResourceId"]
                found.setdefault(
                    lid,
                    Failure(
                        stack=name,
                        logical_id=lid,
                        type=ev.get("ResourceType", ""),
                        physical_id=ev.get("PhysicalResourceId", ""),
                        reason=ev.get("ResourceStatusReason", "")[:REASON_CHARS],
                    ),
                )
    return list(found.values())


def stack_buckets(cfn: CloudFormationClient, name: str, own: tuple[str, ...]) -> list[str]:
    """The stack's buckets that are the lab's own (by exact name); any other is never touched."""
    found = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for res in page["StackResourceSummaries"]:
            bucket = res.get("PhysicalResourceId", "")
            if res["ResourceType"] == "AWS::S3::Bucket" and bucket in own:
                found.append(bucket)
    return found


def empty_bucket(s3: S3Client, bucket: str) -> int:
    """Delete every object version and delete marker (a versioned bucket keeps both); returns how many."""
    deleted = 0
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            keys: list[Any] = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if keys:  # a page holds at most 1000 keys, the DeleteObjects limit
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
    return deleted


def unblock(
    aws: Aws, cfg: ReaperConfig, ref: StackRef, failure: Failure, *, fix: bool = True
) -> tuple[Failure, list[str]]:
    """Find what holds a failed resource and (when `fix`) fix what the reaper may: (diagnosis, fixes made)."""
    pid = failure.physical_id
    found = _Found(fix=fix)
    if failure.type == "AWS::S3::Bucket":
        if pid not in cfg.buckets:
            found.blockers.append(f"bucket {pid} is not one of the lab's own buckets: not emptied")
        elif fix:
            count = empty_bucket(aws.s3(ref.region), pid)
            found.fixes.append(f"emptied bucket {pid} ({count} object versions and delete markers)")
    elif failure.type == "AWS::EC2::SecurityGroup" and pid:
        _interfaces(aws.ec2(ref.region), "group-id", pid, found)
        _referencing_rules(aws.ec2(ref.region), cfg, pid, found)
    elif failure.type == "AWS::EC2::Subnet" and pid:
        _interfaces(aws.ec2(ref.region), "subnet-id", pid, found)
    elif failure.type == "AWS::EC2::VPC" and pid:
        _interfaces(aws.ec2(ref.region), "vpc-id", pid, found)
    return _with_blocker(failure, found.blockers), found.fixes


@dataclass
class _Found:
    """What one diagnosis found (blockers) and did (fixes); with fix False it only looks."""

    fix: bool
    blockers: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)


def _with_blocker(failure: Failure, blockers: list[str]) -> Failure:
    if not blockers:
        return failure
    return Failure(
        failure.stack, failure.logical_id, failure.type, failure.physical_id, failure.reason, "; ".join(blockers)
    )


def _interfaces(ec2: EC2Client, filter_name: str, value: str, found: _Found) -> None:
    """Delete the unattached interfaces in a subnet / group / VPC; name the attached ones."""
    listed = ec2.describe_network_interfaces(Filters=[{"Name": filter_name, "Values": [value]}])
    for eni in listed["NetworkInterfaces"]:
        eni_id = eni["NetworkInterfaceId"]
        if eni.get("Status") == "available":
            if found.fix:
                ec2.delete_network_interface(NetworkInterfaceId=eni_id)
                found.fixes.append(f"deleted unattached network interface {eni_id} from {value}")
            else:
                found.blockers.append(f"unattached network interface {eni_id} in {value} (deleted at the next retry)")
            continue
        what = eni.get("Description") or eni.get("InterfaceType") or "no description"
        owner = eni.get("Attachment", {}).get("InstanceOwnerId") or eni.get("RequesterId") or "unknown"
        found.blockers.append(f"network interface {eni_id} in {value} is in use ({what}; attached by {owner})")


def _referencing_rules(ec2: EC2Client, cfg: ReaperConfig, group: str, found: _Found) -> None:
    """Rules of other groups that name `group`: removed when that group is the lab's, else named."""
    for direction, filter_name in (("ingress", "ip-permission.group-id"), ("egress", "egress.ip-permission.group-id")):
        listed = ec2.describe_security_groups(Filters=[{"Name": filter_name, "Values": [group]}])
        for other in listed["SecurityGroups"]:
            other_id = other["GroupId"]
            if other_id == group:
                continue
            tags = {t["Key"]: t["Value"] for t in other.get("Tags", [])}
            if tags.get(cfg.tag_key) != cfg.lab:
                found.blockers.append(f"referenced by a rule of {other_id}, which is not this lab's")
                continue
            if not found.fix:
                found.blockers.append(f"referenced by a rule of {other_id} (removed at the next retry)")
                continue
            rules: list[Any] = (
                other.get("IpPermissions", []) if direction == "ingress" else other.get("IpPermissionsEgress", [])
            )
            mine: list[Any] = [
                {**rule, "UserIdGroupPairs": [p for p in rule.get("UserIdGroupPairs", []) if p.get("GroupId") == group]}
                for rule in rules
                if any(p.get("GroupId") == group for p in rule.get("UserIdGroupPairs", []))
            ]
            if direction == "ingress":
                ec2.revoke_security_group_ingress(GroupId=other_id, IpPermissions=mine)
            else:
                ec2.revoke_security_group_egress(GroupId=other_id, IpPermissions=mine)
            found.fixes.append(f"removed {len(mine)} {direction} rule(s) of {other_id} that referenced {group}")
