"""The one container image of the project (Dockerfile at the repo root), for ECS and Lambda alike.

Two sources. By default a DockerImageAsset: synth only stages the build context and `cdk deploy`
(cdk-assets) builds and pushes it, so synth needs no Docker engine. With `LabConfig.image_tag` the
image is one CI already built and pushed to the `<lab>-api` ECR repository (the `<lab>-cicd` stack),
tagged with its commit SHA: the deploy then needs no Docker at all, and a new tag is a new task
definition revision, which ECS rolls out blue/green. The same image serves the Fargate task (uvicorn)
and the Lambda functions (entrypoint `python -m awslambdaric <handler>`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import LabConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_ENTRYPOINT = ["python", "-m", "awslambdaric"]


class ApiImage(Construct):
    """ARM64 image: the repo's Dockerfile as an asset, or `<lab>-api:<image_tag>` pushed by CI."""

    def __init__(self, scope: Construct, construct_id: str, *, config: LabConfig) -> None:
        super().__init__(scope, construct_id)
        self.asset: ecr_assets.DockerImageAsset | None = None
        if config.image_tag is None:
            self.asset = ecr_assets.DockerImageAsset(
                self,
                "Asset",
                directory=str(REPO_ROOT),
                file="Dockerfile",
                platform=ecr_assets.Platform.LINUX_ARM64,
                display_name="booking-api",
            )
            self.repository: ecr.IRepository = self.asset.repository
            self.tag = self.asset.image_tag
        else:
            # Imported by name, not by a cross-stack reference: the cicd stack outlives every lab.
            self.repository = ecr.Repository.from_repository_name(self, "Repository", config.image_repository_name)
            self.tag = config.image_tag

    def container_image(self) -> ecs.ContainerImage:
        """The image for an ECS task definition (pull rights go to the execution role)."""
        if self.asset is not None:
            return ecs.ContainerImage.from_docker_image_asset(self.asset)
        return ecs.ContainerImage.from_ecr_repository(self.repository, tag=self.tag)

    def lambda_code(self, handler: str) -> lambda_.DockerImageCode:
        """The image as Lambda code running `handler` (module.function) via the runtime interface client."""
        return lambda_.DockerImageCode.from_ecr(
            self.repository,
            tag_or_digest=self.tag,
            entrypoint=LAMBDA_ENTRYPOINT,
            cmd=[handler],
        )
