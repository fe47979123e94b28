"""Questions labs ask of the synthesized templates: who may do what, to which resource, and the WAF's rules.

Labs read the cloud assembly the learner synthesized (`npx cdk synth -o <dir>`); the answers are
computed here from the same templates, so they follow the infrastructure as it changes.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from labctl.cost.templates import Templates, read_assembly
from labctl.labs.checklist import Item

_HASH = re.compile(r"[0-9A-F]{8}$")


def short(logical_id: str) -> str:
    """A logical id without CDK's 8-hex suffix: ApiTaskRoleF3CEB421 -> ApiTaskRole."""
    return _HASH.sub("", logical_id)


def assembly(outdir: Path) -> tuple[Templates | None, Item]:
    """The learner's synthesized templates, and the item saying whether they are there."""
    name = "templates synthesized"
    if not (outdir / "manifest.json").is_file():
        return None, Item(name, None, f"not done yet: npx cdk synth --quiet -c nag=false -o {outdir}")
    templates = read_assembly(outdir)
    return templates, Item(name, True, f"{len(templates)} stacks in {outdir}")


def resources(templates: Templates, kind: str, stack_suffix: str = "") -> dict[str, dict[str, Any]]:
    """Every resource of one CloudFormation type, by logical id, across the stacks (named ...<stack_suffix>)."""
    return {
        lid: res
        for name, template in templates.items()
        if name.endswith(stack_suffix)
        for lid, res in template.get("Resources", {}).items()
        if res.get("Type") == kind
    }


def logical_id(templates: Templates, kind: str, prefix: str) -> str:
    """The logical id of the one resource of `kind` whose id starts with `prefix`."""
    [found] = [lid for lid in resources(templates, kind) if lid.startswith(prefix)]
    return found


def roles_allowed(templates: Templates, action: str, resource_id: str) -> list[str]:
    """Short names of the roles whose policies allow `action` on a resource naming `resource_id` (or *)."""
    out: set[str] = set()
    for policy in resources(templates, "AWS::IAM::Policy").values():
        props = policy["Properties"]
        for stmt in props["PolicyDocument"]["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            named = resource_id in json.dumps(stmt.get("Resource")) or stmt.get("Resource") == "*"
            if stmt.get("Effect") == "Allow" and named and any(fnmatchcase(action, a) for a in actions):
                out.update(short(role["Ref"]) for role in props.get("Roles", []) if "Ref" in role)
    return sorted(out)


def task_definition(templates: Templates) -> dict[str, Any]:
    """The API's ECS task definition (Fargate mode)."""
    [task] = resources(templates, "AWS::ECS::TaskDefinition").values()
    props: dict[str, Any] = task["Properties"]
    return props


def web_acl(templates: Templates) -> dict[str, Any]:
    """The CloudFront WAF web ACL's properties."""
    [acl] = resources(templates, "AWS::WAFv2::WebACL").values()
    props: dict[str, Any] = acl["Properties"]
    return props


def origin_headers(templates: Templates) -> list[str]:
    """The header names CloudFront adds to requests it sends to the API origin."""
    names = []
    for dist in resources(templates, "AWS::CloudFront::Distribution").values():
        for origin in dist["Properties"]["DistributionConfig"]["Origins"]:
            names += [h["HeaderName"] for h in origin.get("OriginCustomHeaders") or []]
    return names
