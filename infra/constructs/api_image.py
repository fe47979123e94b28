"""The one container image of the project (Dockerfile at the repo root), for ECS and Lambda alike.

DockerImageAsset only stages the build context at synth; `cdk deploy` (cdk-assets) builds and pushes
it, so synth needs no Docker engine. The same image serves the Fargate task (uvicorn) and the Lambda
functions (entrypoint `python -m awslambdaric <handler>`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_ENTRYPOINT = ["python", "-m", "awslambdaric"]


class ApiImage(Construct):
    """ARM64 image asset built from the repo's Dockerfile (context filtered by .dockerignore)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.asset = ecr_assets.DockerImageAsset(
            self,
            "Asset",
            directory=str(REPO_ROOT),
            file="Dockerfile",
            platform=ecr_assets.Platform.LINUX_ARM64,
            display_name="booking-api",
        )

    def lambda_code(self, handler: str) -> lambda_.DockerImageCode:
        """The image as Lambda code running `handler` (module.function) via the runtime interface client."""
        return lambda_.DockerImageCode.from_ecr(
            self.asset.repository,
            tag_or_digest=self.asset.image_tag,
            entrypoint=LAMBDA_ENTRYPOINT,
            cmd=[handler],
        )
