"""AWS session and preflight: credentials (STS), region, CDK bootstrap (SSM), Node and the CDK CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from labctl.output import LabError
from labctl.paths import REPO_ROOT

CDK_BIN = REPO_ROOT / "node_modules" / ".bin" / "cdk"
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"  # default qualifier of `cdk bootstrap`
MIN_BOOTSTRAP_VERSION = 6  # what modern CDK deploys (assets, lookup roles) require
DEFAULT_LAB = "labctl"


def lab_name() -> str:
    """The lab's name: LAB_NAME, else the default shared with infra.config."""
    return os.environ.get("LAB_NAME", DEFAULT_LAB)


def session(profile: str, region: str) -> boto3.Session:
    """A boto3 session for the profile and region; unknown_profile / no_region / unknown_region."""
    try:
        sess = boto3.Session(profile_name=profile or None, region_name=region or None)
    except ProfileNotFound:
        raise LabError(
            "unknown_profile",
            f"AWS profile {profile!r} is not configured.",
            "List profiles with `aws configure list-profiles`.",
        ) from None
    if not sess.region_name:
        raise LabError(
            "no_region", "No AWS region given or configured.", "Pass --region (e.g. eu-west-1) or set AWS_REGION."
        )
    if sess.region_name not in sess.get_available_regions("cloudformation"):
        raise LabError(
            "unknown_region",
            f"{sess.region_name!r} is not an AWS region.",
            "Use a region name such as us-east-1 or eu-west-1.",
        )
    return sess


def identity(sess: boto3.Session) -> dict[str, str]:
    """STS GetCallerIdentity: account and ARN; no_credentials / invalid_credentials."""
    try:
        ident: Any = sess.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise LabError(
            "no_credentials", "No AWS credentials found.", "Run `aws configure` or `aws sso login`, or pass --profile."
        ) from None
    except (ClientError, BotoCoreError) as err:
        raise LabError(
            "invalid_credentials",
            f"AWS rejected the credentials: {err}",
            "Refresh them (`aws sso login`) or pick another --profile.",
        ) from None
    return {"account": str(ident["Account"]), "arn": str(ident["Arn"])}


def has_credentials(sess: boto3.Session) -> bool:
    """Whether boto3 finds credentials at all (no AWS call: a dry run needs none)."""
    return sess.get_credentials() is not None


def check_bootstrap(sess: boto3.Session, account: str, regions: list[str]) -> dict[str, int]:
    """The CDK bootstrap version of each region (SSM parameter); not_bootstrapped otherwise."""
    found: dict[str, int] = {}
    missing: list[str] = []
    for region in regions:
        try:
            value = sess.client("ssm", region_name=region).get_parameter(Name=BOOTSTRAP_PARAMETER)
            found[region] = int(value["Parameter"].get("Value", "0"))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise LabError(
                    "bootstrap_check_failed",
                    f"Cannot read {BOOTSTRAP_PARAMETER} in {region}: {err}",
                    "The credentials need ssm:GetParameter on the CDK bootstrap parameter.",
                ) from None
            missing.append(region)
    hint = "Run: npx cdk bootstrap " + " ".join(f"aws://{account}/{r}" for r in regions)
    if missing:
        raise LabError(
            "not_bootstrapped", f"CDK is not bootstrapped in {', '.join(missing)} (no {BOOTSTRAP_PARAMETER}).", hint
        )
    old = [r for r, v in found.items() if v < MIN_BOOTSTRAP_VERSION]
    if old:
        raise LabError(
            "bootstrap_outdated",
            f"CDK bootstrap in {', '.join(old)} is older than version {MIN_BOOTSTRAP_VERSION}.",
            hint,
        )
    return found


def check_tools() -> dict[str, str]:
    """Node >= 20 and the pinned CDK CLI from package.json (node_modules/.bin/cdk)."""
    node = shutil.which("node")
    if node is None:
        raise LabError("node_missing", "Node.js is not installed.", "Install Node.js 20 or newer.")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        raise LabError("node_too_old", f"Node.js {version} is too old.", "Install Node.js 20 or newer.")
    if not CDK_BIN.exists():
        raise LabError("cdk_cli_missing", f"{CDK_BIN} not found.", "Run `npm ci` in the repository root.")
    return {"node": version, "cdk": str(CDK_BIN)}
