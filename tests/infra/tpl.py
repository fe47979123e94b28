"""Small helpers to query synthesized CloudFormation templates (plain dicts)."""

from __future__ import annotations

from typing import Any


def resources(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    """Resources of one CloudFormation type, by logical id."""
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == type_name}


def only(template: dict[str, Any], type_name: str) -> dict[str, Any]:
    """The single resource of a type (fails when there are 0 or several)."""
    found = resources(template, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.values()))


def props(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's Properties."""
    return dict(resource.get("Properties", {}))


def statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """Every policy statement attached (inline default policy) to roles whose logical id starts with prefix."""
    out: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        roles = props(policy)["Roles"]
        if any(r.get("Ref", "").startswith(role_prefix) for r in roles):
            out.extend(props(policy)["PolicyDocument"]["Statement"])
    return out


def actions(stmts: list[dict[str, Any]]) -> set[str]:
    """All actions of some statements."""
    found: set[str] = set()
    for s in stmts:
        acts = s["Action"]
        found.update([acts] if isinstance(acts, str) else acts)
    return found


def flat(value: Any) -> str:
    """A CloudFormation value as a string, for substring checks on intrinsics."""
    import json

    return json.dumps(value, sort_keys=True)
