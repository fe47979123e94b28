"""Reading a cloud assembly: every stack's name, region, template and metadata, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labctl.cost.templates import read_assembly, stack_artifacts
from labctl.output import LabError


def _assembly(outdir: Path) -> Path:
    outdir.mkdir()
    (outdir / "lab-data.template.json").write_text(
        json.dumps({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}})
    )
    (outdir / "lab-edge.template.json").write_text(json.dumps({"Resources": {}}))
    (outdir / "lab-data.metadata.json").write_text("{}")
    artifacts = {
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        "lab-data": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/eu-west-1",
            "displayName": "lab-data",
            "properties": {"templateFile": "lab-data.template.json", "stackName": "lab-data"},
            "additionalMetadataFile": "lab-data.metadata.json",
        },
        "labedge": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/us-east-1",
            "displayName": "lab-edge",
            "properties": {"templateFile": "lab-edge.template.json"},
        },
    }
    (outdir / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return outdir


def test_every_stack_comes_with_its_name_region_and_files(tmp_path: Path) -> None:
    outdir = _assembly(tmp_path / "cdk.out")
    stacks = list(stack_artifacts(outdir))
    assert [(s.name, s.region) for s in stacks] == [("lab-data", "eu-west-1"), ("lab-edge", "us-east-1")]
    assert stacks[0].metadata_file == outdir / "lab-data.metadata.json"
    assert stacks[1].metadata_file is None
    assert read_assembly(outdir)["lab-data"]["Resources"]["Table"]["Type"] == "AWS::DynamoDB::Table"


def test_a_folder_without_a_manifest_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(LabError) as err:
        read_assembly(tmp_path)
    assert err.value.code == "no_cloud_assembly"
