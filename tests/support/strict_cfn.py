"""CloudFormation's delete rules, installed on moto (in-process or its threaded server).

moto deletes a stack whatever it holds: a bucket with objects is silently left behind, a security
group with interfaces in it vanishes, an export still imported by another stack goes away. Real
CloudFormation refuses each of these and leaves the stack in DELETE_FAILED with an event naming
the resource and the reason; the reaper is written against that behaviour, so the tests install
it here. `stuck` adds a resource that refuses to delete whatever is done (a fault to inject).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.cloudformation import models as cfn_models
from moto.ec2.models import ec2_backends
from moto.s3.models import s3_backends

BUCKET_NOT_EMPTY = "The bucket you tried to delete is not empty. You must delete all versions in the bucket."


@dataclass
class StrictCfn:
    """Records the delete order; `stuck` maps logical ids that never delete to their reason."""

    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # stacks that went DELETE_FAILED, in order
    stuck: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = lambda: 0.0  # the test's clock, to time each delete attempt
    attempts: list[tuple[str, float]] = field(default_factory=list)  # (stack, clock()) per DeleteStack


def _refusal(strict: StrictCfn, stack: Any, logical_id: str, res: Any) -> str:
    """Why CloudFormation would refuse to delete this resource ('' when it would not)."""
    kind = stack.template_dict["Resources"][logical_id]["Type"]
    if logical_id in strict.stuck:
        return strict.stuck[logical_id]
    if kind == "AWS::S3::Bucket":
        bucket = s3_backends[stack.account_id]["aws"].buckets.get(getattr(res, "name", ""))
        if bucket is not None and bucket.keys:
            return BUCKET_NOT_EMPTY
    if kind == "AWS::EC2::SecurityGroup":
        group_id = getattr(res, "id", "")
        enis = ec2_backends[stack.account_id][stack.region_name].enis.values()
        if any(group_id in [g.id for g in eni.group_set] for eni in enis):
            return f"resource {group_id} has a dependent object"
    return ""


def _importers(backend: Any, stack: Any) -> list[str]:
    """Other live stacks that import one of this stack's exports."""
    names = [export.name for export in stack.exports]
    found = []
    for other in backend.stacks.values():
        if other.stack_id == stack.stack_id or other.status == "DELETE_COMPLETE":
            continue
        body = json.dumps(other.template_dict)
        if any(json.dumps({"Fn::ImportValue": name})[1:-1] in body for name in names):
            found.append(other.name)
    return found


def _fail(stack: Any, logical_id: str, kind: str, physical_id: str, reason: str) -> None:
    stack.events.append(
        cfn_models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=kind,
            resource_status="DELETE_FAILED",
            resource_status_reason=reason,
            resource_properties=None,
        )
    )
    stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"{logical_id}: {reason}")
    stack.status = "DELETE_FAILED"


def _moto_ec2_gaps(stack: Any) -> None:
    """What moto's CloudFormation forgets to delete with a VPC: its route tables (and their associations)
    and its internet gateway. Without this moto refuses to delete the VPC: CloudFormation does not."""
    ec2 = ec2_backends[stack.account_id][stack.region_name]
    vpcs = {r.id for r in stack.resource_map._parsed_resources.values() if type(r).__name__ == "VPC"}
    for table in list(ec2.route_tables.values()):
        if table.vpc_id in vpcs and table.main_association_id is None:
            table._associations.clear()
            ec2.delete_route_table(table.id)
    for gateway in list(ec2.internet_gateways.values()):
        if gateway.vpc is not None and gateway.vpc.id in vpcs:
            ec2.detach_internet_gateway(gateway.id, gateway.vpc.id)
            ec2.delete_internet_gateway(gateway.id)


def install(monkeypatch: pytest.MonkeyPatch) -> StrictCfn:
    """Patch moto's CloudFormation backend (every account and region) with CloudFormation's delete rules."""
    strict = StrictCfn()
    original = cfn_models.CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        if stack is None:
            return
        strict.attempts.append((stack.name, strict.clock()))
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        importers = _importers(self, stack)
        if importers:
            reason = f"Export of {stack.name} cannot be deleted as it is in use by {', '.join(importers)}"
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
            stack.status = "DELETE_FAILED"
            strict.failed.append(stack.name)
            return
        for logical_id, res in list(stack.resource_map._parsed_resources.items()):
            if logical_id not in stack.template_dict.get("Resources", {}):
                continue  # pseudo parameters live in the same map
            reason = _refusal(strict, stack, logical_id, res)
            if reason:
                kind = stack.template_dict["Resources"][logical_id]["Type"]
                physical = getattr(res, "physical_resource_id", None) or logical_id
                _fail(stack, logical_id, kind, str(physical), reason)
                strict.failed.append(stack.name)
                return
        strict.deleted.append(stack.name)
        _moto_ec2_gaps(stack)
        original(self, stack.stack_id)

    monkeypatch.setattr(cfn_models.CloudFormationBackend, "delete_stack", delete_stack)
    return strict
