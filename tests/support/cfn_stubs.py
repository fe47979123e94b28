"""Templates as synthesized, made deployable on moto: each resource type moto's CloudFormation cannot
create is replaced by an inert stub, by name, and every reference to it by a literal.

moto would skip such a type with a warning and leave `Ref`/`Fn::GetAtt` to it unresolved; here
the rehearsal decides instead, and reports every stubbed resource (`Prepared.stubbed`). Nothing is
stubbed that moto can create: the list is computed from moto's own model map.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import parsing

STUB_TYPE = "AWS::CloudFormation::WaitConditionHandle"  # creates nothing in moto or AWS


def cannot_create(resource: dict[str, Any]) -> str:
    """Why moto's CloudFormation cannot create this resource ('' when it can)."""
    kind = resource["Type"]
    if kind.startswith("Custom::"):
        return "a custom resource: its provider Lambda would have to run"
    if kind not in parsing.get_model_map():
        return "not in moto's CloudFormation"
    if kind == "AWS::EC2::SecurityGroupIngress" and "SourcePrefixListId" in resource.get("Properties", {}):
        return "moto creates no ingress rule whose source is a prefix list"
    return ""


@dataclass
class Prepared:
    """A template ready for moto, and the resources replaced by stubs (logical id -> original type)."""

    template: dict[str, Any]
    stubbed: dict[str, str] = field(default_factory=dict)
    custom_calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # Custom::AWS id -> its properties

    def stubbed_types(self) -> Counter[str]:
        return Counter(self.stubbed.values())


def prepare(template: dict[str, Any], *, region: str, account: str, known: dict[str, str] | None = None) -> Prepared:
    """Stub what moto cannot create; keep everything else exactly as synthesized.

    known: the value `Ref` of a stubbed resource stands for, when the rehearsal made one (a certificate)."""
    out = copy.deepcopy(template)
    resources: dict[str, Any] = out.get("Resources", {})
    stubbed = {lid: res["Type"] for lid, res in resources.items() if cannot_create(res)}
    calls = {lid: copy.deepcopy(resources[lid]["Properties"]) for lid, t in stubbed.items() if t == "Custom::AWS"}
    for lid in stubbed:
        resources[lid] = {"Type": STUB_TYPE, "Properties": {}}
    for res in resources.values():
        depends = res.get("DependsOn")
        if isinstance(depends, list):
            res["DependsOn"] = [d for d in depends if d not in stubbed]
        elif depends in stubbed:
            del res["DependsOn"]
    for res in resources.values():
        _moto_shapes(res)
    out = _literal_refs(out, stubbed, region, account, known or {})
    out.pop("Rules", None)  # the bootstrap-version rule: moto does not evaluate Rules
    return Prepared(out, stubbed, calls)


# Types whose Ref is their ARN (the others' Ref is a name or an id).
REF_IS_ARN = {
    "AWS::SecretsManager::Secret",
    "AWS::CertificateManager::Certificate",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
}


def _moto_shapes(res: dict[str, Any]) -> None:
    """Equivalent spellings for what moto 5 parses differently from CloudFormation (no behaviour changes)."""
    props = res.get("Properties", {})
    if res["Type"] == "AWS::KMS::Key" and "Tags" in props:
        # moto reads a key's CloudFormation tags in the KMS API's shape (TagKey/TagValue)
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]
    for action in props.get("DefaultActions", []) + props.get("Actions", []):
        groups = action.get("ForwardConfig", {}).get("TargetGroups", [])
        if action.get("Type") == "forward" and "TargetGroupArn" not in action and groups:
            # moto needs TargetGroupArn on a forward; blue/green weights (100/0) forward to the first group
            action["TargetGroupArn"] = max(groups, key=lambda g: g.get("Weight", 0))["TargetGroupArn"]


def stub_value(lid: str, kind: str, attr: str, region: str, account: str) -> str:
    """The literal standing for `Fn::GetAtt [lid, attr]` (or `Ref lid` when attr is '') of a stubbed `kind`."""
    if attr.endswith("Arn") or (not attr and kind in REF_IS_ARN):
        _, service, resource = [*kind.split("::"), "", ""][:3]
        return f"arn:aws:{service.lower()}:{region}:{account}:{resource.lower()}/{lid}"
    if attr.endswith("DomainName"):
        return f"{lid.lower()}.stub.example.com"
    if attr.startswith("/cdk/exports/") and ("Secret" in attr or "Arn" in attr):
        # a cross-region value read by CDK's exports reader: an ARN (a secret's Ref), used in IAM policies
        return f"arn:aws:secretsmanager:{region}:{account}:secret:{attr.rsplit('/', 1)[-1]}"
    return f"stub-{lid}" + (f"-{attr}" if attr else "")


def _literal_refs(value: Any, stubbed: dict[str, str], region: str, account: str, known: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_literal_refs(v, stubbed, region, account, known) for v in value]
    if not isinstance(value, dict):
        return value
    if value.keys() == {"Ref"} and value["Ref"] in stubbed:
        lid = value["Ref"]
        return known.get(lid) or stub_value(lid, stubbed[lid], "", region, account)
    if value.keys() == {"Fn::GetAtt"}:
        lid, attr = _getatt(value["Fn::GetAtt"])
        if lid in stubbed:
            return stub_value(lid, stubbed[lid], attr, region, account)
    if value.keys() == {"Fn::Sub"}:
        return {"Fn::Sub": _sub(value["Fn::Sub"], stubbed, region, account, known)}
    return {k: _literal_refs(v, stubbed, region, account, known) for k, v in value.items()}


def _getatt(arg: Any) -> tuple[str, str]:
    if isinstance(arg, str):
        lid, _, attr = arg.partition(".")
        return lid, attr
    return str(arg[0]), str(arg[1])


def _sub(arg: Any, stubbed: dict[str, str], region: str, account: str, known: dict[str, str]) -> Any:
    def replace(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            lid, _, attr = match.group(1).partition(".")
            return stub_value(lid, stubbed[lid], attr, region, account) if lid in stubbed else match.group(0)

        return re.sub(r"\$\{([A-Za-z0-9.]+)\}", one, text)

    if isinstance(arg, str):
        return replace(arg)
    return [replace(arg[0]), _literal_refs(arg[1], stubbed, region, account, known)]
