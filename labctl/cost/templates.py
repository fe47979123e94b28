"""Synthesized CloudFormation templates: read from a cloud assembly, or synthesized in-process."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from labctl.output import LabError

Templates = dict[str, dict[str, Any]]  # stack name -> template


def read_assembly(outdir: Path) -> Templates:
    """Every stack template of a cloud assembly (cdk.out), by stack name."""
    manifest_path = outdir / "manifest.json"
    if not manifest_path.is_file():
        raise LabError(
            "no_cloud_assembly",
            f"{outdir} has no manifest.json.",
            "Point --cdk-out at the output of `cdk synth`, or leave it out to synthesize.",
        )
    manifest = json.loads(manifest_path.read_text())
    templates: Templates = {}
    for artifact in manifest["artifacts"].values():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        props = artifact["properties"]
        name = props.get("stackName") or artifact["displayName"]
        templates[name] = json.loads((outdir / props["templateFile"]).read_text())
    return templates


def synthesize(*, compute: str, region: str, lab_name: str = "labctl") -> Templates:
    """Synthesize the lab in-process (infra.app.build_app) into a temp dir and read it back."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app  # heavy (jsii + node): only when asked to
    from infra.config import ConfigError, LabConfig

    try:
        config = LabConfig(lab_name=lab_name, region=region, compute=compute)  # type: ignore[arg-type]
    except ConfigError as err:
        raise LabError(err.code, err.message) from None
    with tempfile.TemporaryDirectory(prefix="labctl-cost-") as tmp:
        build_app(config, outdir=tmp, nag=False).synth()
        return read_assembly(Path(tmp))


def mode_of(templates: Templates) -> str:
    """fargate when the assembly runs an ECS service, else lambda."""
    for template in templates.values():
        if any(r["Type"] == "AWS::ECS::Service" for r in template.get("Resources", {}).values()):
            return "fargate"
    return "lambda"
