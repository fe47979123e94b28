"""The `<lab>-cicd` CDK app: GitHub OIDC trust, the deploy role and the image repository, deployed once.

It is a separate app from the lab (`infra.app`): `labctl down` deletes the lab's stacks, never this one,
so the pipeline can still tear a lab down. `labctl cicd bootstrap --repo OWNER/NAME` synthesizes it
in-process (`build_cicd_app`) and deploys it; `python -m infra.cicd -c repo=OWNER/NAME` works for cdk.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from infra.config import ConfigError, LabConfig

if TYPE_CHECKING:  # the CDK (jsii + node) loads only when a synth is asked for: validation stays instant
    import aws_cdk as cdk

ProviderMode = Literal["create", "import"]
PROVIDER_MODES: tuple[ProviderMode, ...] = ("create", "import")
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# GitHub's own limits: owner up to 39 chars of alphanumerics and '-', repository name of [A-Za-z0-9._-].
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")


@dataclass(frozen=True)
class CicdConfig:
    """Which GitHub repository may deploy which lab, from where; validated on construction."""

    repository: str
    lab_name: str = "labctl"
    region: str = "us-east-1"
    environment: str = "deploy"
    branch: str = "main"
    oidc_provider: ProviderMode = "create"

    def __post_init__(self) -> None:
        if not _REPO.match(self.repository) or self.repository.endswith((".git", "/.", "/..")):
            raise ConfigError("invalid_repository", f"repository {self.repository!r} is not OWNER/NAME")
        if not _ENVIRONMENT.match(self.environment):
            raise ConfigError("invalid_environment", f"environment {self.environment!r} is not a GitHub name")
        if not _BRANCH.match(self.branch) or ".." in self.branch:
            raise ConfigError("invalid_branch", f"branch {self.branch!r} is not a branch name")
        if self.oidc_provider not in PROVIDER_MODES:
            raise ConfigError("invalid_oidc_provider", f"oidc_provider must be one of {PROVIDER_MODES}")
        _ = self.lab  # validates lab_name and region with the lab's own rules

    @property
    def lab(self) -> LabConfig:
        """The lab this pipeline deploys (its stack names, regions, table and repository names)."""
        return LabConfig(lab_name=self.lab_name, region=self.region, compute="fargate")

    @property
    def stack_name(self) -> str:
        """`<lab>-cicd`."""
        return self.lab.stack_name("cicd")

    @property
    def subjects(self) -> list[str]:
        """The OIDC `sub` claims the deploy role trusts: jobs on the branch, and jobs in the environment."""
        return [
            f"repo:{self.repository}:ref:refs/heads/{self.branch}",
            f"repo:{self.repository}:environment:{self.environment}",
        ]


def build_cicd_app(config: CicdConfig, outdir: str | None = None, *, nag: bool = True) -> cdk.App:
    """A cdk.App holding only the `<lab>-cicd` stack, with cdk-nag AwsSolutions checks attached."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.stacks.cicd import CicdStack

    app = cdk.App(outdir=outdir)
    # Not `lab:name`: `labctl down` lists whatever carries that tag as a leftover of the lab.
    tags = {"lab:cicd": config.lab_name, "lab:repository": config.repository.replace("/", ":")}
    CicdStack(
        app,
        config.stack_name,
        config=config,
        stack_name=config.stack_name,
        description=f"labctl lab {config.lab_name}: GitHub OIDC deploy role for {config.repository}",
        env=cdk.Environment(region=config.region),
        tags=tags,
    )
    for key, value in tags.items():
        cdk.Tags.of(app).add(key, value)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def config_from_context(ctx: Mapping[str, Any]) -> CicdConfig:
    """CicdConfig from CDK context (`-c repo=OWNER/NAME -c lab_name=... -c region=...`)."""

    def text(key: str, default: str) -> str:
        value = ctx.get(key)
        return default if value is None or str(value).strip() == "" else str(value).strip()

    mode = text("oidc_provider", "create")
    if mode not in PROVIDER_MODES:
        raise ConfigError("invalid_oidc_provider", f"oidc_provider must be one of {PROVIDER_MODES}")
    return CicdConfig(
        repository=text("repo", ""),
        lab_name=text("lab_name", "labctl"),
        region=text("region", "us-east-1"),
        environment=text("environment", "deploy"),
        branch=text("branch", "main"),
        oidc_provider="import" if mode == "import" else "create",
    )


def main() -> int:
    """Entry of `cdk synth/deploy --app 'python -m infra.cicd'`; exit 2 on bad config."""
    import aws_cdk as cdk

    probe = cdk.App()
    keys = ("repo", "lab_name", "region", "environment", "branch", "oidc_provider")
    try:
        config = config_from_context({k: probe.node.try_get_context(k) for k in keys})
    except ConfigError as err:
        print(f"labctl infra: config error [{err.code}]: {err.message}", file=sys.stderr)
        return 2
    build_cicd_app(config, outdir=probe.outdir).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
