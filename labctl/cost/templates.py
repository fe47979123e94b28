"""Synthesized CloudFormation templates: read from a cloud assembly, or synthesized for an estimate.

Synthesis has one path, `labctl.lifecycle.cdk.synth` (the pinned CDK CLI running infra.app):
`labctl up` prices and deploys the assembly it writes, `labctl cost estimate` prices a fresh one.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labctl.lifecycle import cdk
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
    return {stack.name: stack.template() for stack in stack_artifacts(outdir)}


@dataclass(frozen=True)
class StackArtifact:
    """One stack of a cloud assembly, as its manifest.json describes it."""

    name: str
    region: str
    template_file: Path
    metadata_file: Path | None  # cdk-nag's acknowledgements and other construct metadata

    def template(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.template_file.read_text())
        return doc


def stack_artifacts(outdir: Path) -> Iterator[StackArtifact]:
    """Every stack of the cloud assembly in outdir, in manifest order."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        props = artifact["properties"]
        meta = artifact.get("additionalMetadataFile")
        yield StackArtifact(
            name=props.get("stackName") or artifact["displayName"],
            region=artifact["environment"].rsplit("/", 1)[1],
            template_file=outdir / props["templateFile"],
            metadata_file=outdir / meta if meta else None,
        )


def synthesize(*, compute: str, region: str, lab_name: str = "labctl") -> Templates:
    """Synthesize one compute mode into a temp dir (cdk-nag off: an estimate needs no lint) and read it."""
    with tempfile.TemporaryDirectory(prefix="labctl-cost-") as tmp:
        context = {"lab_name": lab_name, "compute": compute, "region": region, "nag": "false"}
        cdk.synth(context, Path(tmp) / "cdk.out")
        return read_assembly(Path(tmp) / "cdk.out")


def synthesize_modes(modes: list[str], *, region: str, lab_name: str = "labctl") -> list[Templates]:
    """Several modes side by side: each synth is a CLI process of its own."""
    with ThreadPoolExecutor(max_workers=len(modes)) as pool:
        futures = [pool.submit(synthesize, compute=m, region=region, lab_name=lab_name) for m in modes]
        return [f.result() for f in futures]


def mode_of(templates: Templates) -> str:
    """fargate when the assembly runs an ECS service, else lambda."""
    for template in templates.values():
        if any(r["Type"] == "AWS::ECS::Service" for r in template.get("Resources", {}).values()):
            return "fargate"
    return "lambda"
