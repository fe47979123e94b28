"""`labctl cicd bootstrap`: synthesize the `<lab>-cicd` stack in-process, show its trust, deploy it once.

The dry run needs no credentials: it synthesizes (cdk-nag attached) and prints the trust policy and
the permissions with the account left as `<account>`. The real run checks the CDK bootstrap, reuses
an existing GitHub OIDC provider if the account has one (one per URL is allowed), deploys through
the pinned CDK CLI and prints the repository variables the workflows read.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.cicd import GITHUB_OIDC_HOST, CicdConfig
from labctl.output import LabError, err_console

ACCOUNT_PLACEHOLDER = "<account>"


@dataclass(frozen=True)
class Plan:
    """A synthesized `<lab>-cicd` stack and what it grants, rendered for people."""

    config: CicdConfig
    assembly: Path
    trust_policy: dict[str, Any]
    permissions: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.config.stack_name,
            "region": self.config.region,
            "repository": self.config.repository,
            "environment": self.config.environment,
            "branch": self.config.branch,
            "oidc_provider": self.config.oidc_provider,
            "image_repository": self.config.lab.image_repository_name,
            "trusted_subjects": self.config.subjects,
            "trust_policy": self.trust_policy,
            "permissions": self.permissions,
            "assembly": str(self.assembly),
        }


@dataclass(frozen=True)
class Bootstrapped:
    """The deployed `<lab>-cicd` stack: its plan, the account, the stack outputs and what to do next."""

    plan: Plan
    account: str
    outputs: dict[str, str]
    next_steps: list[str]

    def to_json(self) -> dict[str, Any]:
        return {**self.plan.to_json(), "account": self.account, "outputs": self.outputs, "next_steps": self.next_steps}


def config(repo: str, lab: str, region: str, environment: str, branch: str, oidc_provider: str) -> CicdConfig:
    """The stack's typed config; infra's validation errors as LabErrors with an example."""
    from infra.config import ConfigError

    try:
        return CicdConfig(
            repository=repo,
            lab_name=lab,
            region=region,
            environment=environment,
            branch=branch,
            oidc_provider="import" if oidc_provider == "import" else "create",
        )
    except ConfigError as err:
        raise LabError(err.code, err.message, "e.g. --repo octo-org/labctl --region eu-west-1") from None


def plan(config: CicdConfig, outdir: Path, *, account: str = ACCOUNT_PLACEHOLDER) -> Plan:
    """Synthesize with cdk-nag (violations are an error) and render the role's trust and permissions."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.cicd import build_cicd_app  # heavy (jsii + node): only when asked to

    try:
        build_cicd_app(config, outdir=str(outdir)).synth()
    except RuntimeError as err:  # cdk-nag findings surface as a validation failure
        raise LabError("cicd_synth_failed", str(err)[-1500:], "Fix the finding in infra/stacks/cicd.py.") from None
    template = json.loads((outdir / f"{config.stack_name}.template.json").read_text())
    resources: dict[str, Any] = template["Resources"]
    role = next(r for r in resources.values() if r["Type"] == "AWS::IAM::Role")
    policy = next(r for r in resources.values() if r["Type"] == "AWS::IAM::Policy")
    env = {"AWS::AccountId": account, "AWS::Partition": "aws", "AWS::Region": config.region}
    trust = render(role["Properties"]["AssumeRolePolicyDocument"], resources, env)
    statements = render(policy["Properties"]["PolicyDocument"]["Statement"], resources, env)
    permissions = [
        {"sid": s.get("Sid", ""), "actions": _listed(s["Action"]), "resources": _listed(s["Resource"])}
        for s in statements
    ]
    return Plan(config, outdir, trust, permissions)


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def render(value: Any, resources: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    """Resolve the intrinsics a policy uses (Ref, Fn::Join, Fn::GetAtt) into readable strings."""
    if isinstance(value, list):
        return [render(v, resources, env) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = str(value["Ref"])
        if name in env:
            return env[name]
        if resources.get(name, {}).get("Type") == "AWS::IAM::OIDCProvider":
            return f"arn:{env['AWS::Partition']}:iam::{env['AWS::AccountId']}:oidc-provider/{GITHUB_OIDC_HOST}"
        return f"<{name}>"
    if set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return str(sep).join(str(render(p, resources, env)) for p in parts)
    if set(value) == {"Fn::GetAtt"}:
        logical, attr = value["Fn::GetAtt"]
        resource = resources.get(logical, {})
        if resource.get("Type") == "AWS::ECR::Repository" and attr == "Arn":
            name = resource["Properties"]["RepositoryName"]
            return f"arn:{env['AWS::Partition']}:ecr:{env['AWS::Region']}:{env['AWS::AccountId']}:repository/{name}"
        return f"<{logical}.{attr}>"
    return {k: render(v, resources, env) for k, v in value.items()}


def existing_provider(sess: boto3.Session) -> bool:
    """True when the account already has GitHub's OIDC provider (IAM allows one per URL)."""
    try:
        listed = sess.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    except (ClientError, BotoCoreError) as err:
        raise LabError(
            "oidc_provider_check_failed",
            f"Cannot list the account's OIDC providers: {err}",
            "The credentials need iam:ListOpenIDConnectProviders, or pass --oidc-provider create|import.",
        ) from None
    return any(str(p.get("Arn", "")).endswith(f"/{GITHUB_OIDC_HOST}") for p in listed)


def deploy(config: CicdConfig, sess: boto3.Session, *, quiet: bool) -> Bootstrapped:
    """Deploy `<lab>-cicd` through the pinned CDK CLI; returns the plan, the outputs and next steps."""
    from labctl.lifecycle import aws, cdk

    ident = aws.identity(sess)
    aws.check_bootstrap(sess, ident["account"], [config.region])
    aws.check_tools()
    workdir = Path(tempfile.mkdtemp(prefix="labctl-cicd-"))
    planned = plan(config, workdir / "cdk.out", account=ident["account"])
    outputs_file = workdir / "outputs.json"
    command = [
        str(aws.CDK_BIN),
        "deploy",
        "--app",
        str(planned.assembly),
        config.stack_name,
        "--require-approval",
        "never",
        "--no-notices",
        "--no-version-reporting",
        "--outputs-file",
        str(outputs_file),
    ]
    env = cdk.cli_env(
        {
            "AWS_REGION": config.region,
            **({"AWS_PROFILE": sess.profile_name} if sess.profile_name != "default" else {}),
        }
    )
    lines: list[str] = []
    code = cdk.run(command, env, lambda line: lines.append(line) if quiet else err_console.print(line, markup=False))
    if code != 0:
        raise LabError(
            "cicd_deploy_failed",
            cdk.exited(f"cdk deploy of {config.stack_name}", code, lines),
            "An OIDC provider that already exists needs --oidc-provider import.",
        )
    outputs = json.loads(outputs_file.read_text()).get(config.stack_name, {}) if outputs_file.exists() else {}
    return Bootstrapped(planned, ident["account"], outputs, next_steps(config, outputs))


def next_steps(config: CicdConfig, outputs: Mapping[str, str]) -> list[str]:
    """The `gh` commands that give the workflows what they read (variables, the deploy environment)."""
    repo, env = config.repository, config.environment
    role = outputs.get("RoleArn", "<RoleArn output>")
    return [
        f"gh variable set AWS_DEPLOY_ROLE_ARN --repo {repo} --body {role}",
        f"gh variable set AWS_REGION --repo {repo} --body {config.region}",
        f"gh variable set LAB_NAME --repo {repo} --body {config.lab_name}",
        f"gh variable set LAB_ALERT_EMAIL --repo {repo} --body you@example.com",  # `labctl up` needs one
        f"gh api -X PUT repos/{repo}/environments/{env} -F 'reviewers[][type]=User' "
        f"-F \"reviewers[][id]=$(gh api user -q .id)\" -F 'deployment_branch_policy[protected_branches]=false' "
        "-F 'deployment_branch_policy[custom_branch_policies]=true'",
        f"gh api -X POST repos/{repo}/environments/{env}/deployment-branch-policies -f name={config.branch}",
    ]
