"""A lab deployed from CI runs the image CI pushed (`<lab>-api:<commit sha>`), not a CDK Docker asset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import read_assembly, read_violations
from tests.infra.tpl import flat, only, props, resources, statements

TAG = "3f2a9c1d0b7e4a5f8c6d2e1b0a9f8e7d6c5b4a39"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """One synth (cdk-nag on) of the compute stack in both modes with an image tag: network, data, compute only."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.app import FEATURE_FLAGS
    from infra.config import LabConfig
    from infra.stacks.compute import ComputeStack
    from infra.stacks.data import DataStack
    from infra.stacks.network import NetworkStack

    outdir = tmp_path_factory.mktemp("cdk-image-tag")
    app = cdk.App(outdir=str(outdir), context=dict(FEATURE_FLAGS))
    for lab, mode in (("ftag", "fargate"), ("ltag", "lambda")):
        config = LabConfig(lab_name=lab, region="eu-west-1", compute=mode, image_tag=TAG)  # type: ignore[arg-type]
        env = cdk.Environment(region=config.region)
        network = NetworkStack(app, config.stack_name("network"), config=config, env=env) if mode == "fargate" else None
        data = DataStack(app, config.stack_name("data"), config=config, env=env)
        ComputeStack(app, config.stack_name("compute"), config=config, data=data, network=network, env=env)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    templates, _ = read_assembly(outdir)
    return outdir, templates


def _image_uri(value: Any) -> str:
    return flat(value).replace('"', "")


def test_no_docker_asset_is_staged_or_built(tagged: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    outdir, _ = tagged
    for name in ("ftag-compute", "ltag-compute"):
        manifest = json.loads((outdir / f"{name}.assets.json").read_text())
        assert manifest.get("dockerImages", {}) == {}


def test_the_task_runs_the_pushed_tag_and_may_pull_only_from_that_repository(
    tagged: tuple[Path, dict[str, dict[str, Any]]],
) -> None:
    compute = tagged[1]["ftag-compute"]
    (container,) = props(only(compute, "AWS::ECS::TaskDefinition"))["ContainerDefinitions"]
    image = _image_uri(container["Image"])
    assert image.endswith(f"/ftag-api:{TAG}]]}}")
    assert ".dkr.ecr.eu-west-1." in image
    pull = [s for s in statements(compute, "ApiExecutionRole") if "ecr:BatchGetImage" in s["Action"]]
    (resource,) = [s["Resource"] for s in pull]
    assert "repository/ftag-api" in flat(resource)


def test_every_lambda_runs_the_pushed_tag(tagged: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    functions = resources(tagged[1]["ltag-compute"], "AWS::Lambda::Function")
    images = [_image_uri(props(fn)["Code"]["ImageUri"]) for fn in functions.values() if "ImageUri" in flat(props(fn))]
    assert len(images) == 4  # API, two SQS workers, outbox sweeper
    assert all(i.endswith(f"/ltag-api:{TAG}]]}}") for i in images)


def test_the_tagged_image_path_is_cdk_nag_clean(tagged: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    assert read_violations(tagged[0]) == []
