"""The `<lab>-cicd` stack: OIDC trust for one repository's main branch and deploy environment, narrow rights."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.infra.conftest import read_assembly, read_violations

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV = REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov"
REPOSITORY = "octo-org/labctl"
LAB_STACKS = ["demo-network", "demo-data", "demo-compute", "demo-edge", "demo-observability", "demo-control"]


@pytest.fixture(scope="module")
def dry_run(monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    """`labctl cicd bootstrap --dry-run --json` (create mode): no credentials, one synth with cdk-nag."""
    from labctl.cli import app

    monkeypatch_module.setenv("LAB_NAME", "demo")
    args = ["cicd", "bootstrap", "--repo", REPOSITORY, "--region", "eu-west-1", "--dry-run", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stdout
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def template(dry_run: dict[str, Any]) -> dict[str, Any]:
    templates, _ = read_assembly(Path(dry_run["assembly"]))
    assert list(templates) == ["demo-cicd"]
    return templates["demo-cicd"]


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_the_role_trusts_only_the_repositorys_main_branch_and_deploy_environment(dry_run: dict[str, Any]) -> None:
    (statement,) = dry_run["trust_policy"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:octo-org/labctl:ref:refs/heads/main",
                "repo:octo-org/labctl:environment:deploy",
            ],
        }
    }


def test_the_role_may_assume_only_the_cdk_bootstrap_roles_of_the_lab_regions(dry_run: dict[str, Any]) -> None:
    perms = {p["sid"]: p for p in dry_run["permissions"]}
    assert perms["AssumeCdkBootstrapRoles"]["actions"] == ["sts:AssumeRole", "sts:TagSession"]
    assert perms["AssumeCdkBootstrapRoles"]["resources"] == [
        "arn:aws:iam::<account>:role/cdk-hnb659fds-*-<account>-eu-west-1",
        "arn:aws:iam::<account>:role/cdk-hnb659fds-*-<account>-us-east-1",  # the edge stack's region
    ]


def test_the_role_pushes_to_the_one_repository_and_deletes_only_the_lab_stacks(dry_run: dict[str, Any]) -> None:
    perms = {p["sid"]: p for p in dry_run["permissions"]}
    assert perms["PushLabImage"]["resources"] == ["arn:aws:ecr:eu-west-1:<account>:repository/demo-api"]
    assert "ecr:PutImage" in perms["PushLabImage"]["actions"]
    deletable = perms["DeleteLabStacks"]["resources"]
    assert [r.split(":stack/")[1].split("/")[0] for r in deletable] == LAB_STACKS
    assert not any("demo-cicd" in r for p in dry_run["permissions"] for r in p["resources"]), "never itself"
    assert perms["SeedLabCatalog"]["resources"] == ["arn:aws:dynamodb:eu-west-1:<account>:table/demo-bookings"]


def test_no_permission_is_a_service_wildcard_or_touches_iam(dry_run: dict[str, Any]) -> None:
    actions = [a for p in dry_run["permissions"] for a in p["actions"]]
    assert not [a for a in actions if a.endswith(":*") or a == "*"]
    assert not [a for a in actions if a.startswith("iam:")]
    writes = {a for a in actions if a.split(":")[1].startswith(("Create", "Update", "Put", "Delete", "BatchWrite"))}
    assert writes == {
        "cloudformation:DeleteStack",
        "ecr:PutImage",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "dynamodb:BatchWriteItem",
    }
    wildcard = [p["sid"] for p in dry_run["permissions"] if p["resources"] == ["*"]]
    assert sorted(wildcard) == ["EcrLogin", "FindLabLeftovers"]  # no resource-level permissions exist


def test_the_image_repository_keeps_tags_immutable_scans_and_expires_old_images(template: dict[str, Any]) -> None:
    (repo,) = _of_type(template, "AWS::ECR::Repository")
    props = repo["Properties"]
    assert props["RepositoryName"] == "demo-api"
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["EmptyOnDelete"] is True
    assert json.loads(props["LifecyclePolicy"]["LifecyclePolicyText"])["rules"][0]["selection"]["countNumber"] == 10
    (pull,) = props["RepositoryPolicyText"]["Statement"]
    assert pull["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_the_stack_is_not_tagged_as_part_of_the_lab(template: dict[str, Any]) -> None:
    # `labctl down` reports whatever carries lab:name as a leftover; the pipeline must survive a teardown.
    tags = [t["Key"] for r in template["Resources"].values() for t in r.get("Properties", {}).get("Tags", [])]
    assert tags
    assert "lab:name" not in tags


def test_cdk_nag_finds_nothing_unacknowledged(dry_run: dict[str, Any]) -> None:
    assert read_violations(Path(dry_run["assembly"])) == []
    _, acks = read_assembly(Path(dry_run["assembly"]))
    reasons = [reason for rules in acks.values() for reason in rules.values()]
    assert reasons
    assert all(len(reason) >= 60 for reason in reasons)


def test_checkov_finds_nothing(dry_run: dict[str, Any]) -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make setup`"
    template = Path(dry_run["assembly"]) / "demo-cicd.template.json"
    options = ["--framework", "cloudformation", "--skip-download", "--quiet", "-o", "json"]
    proc = subprocess.run(
        [str(CHECKOV), "-f", str(template), *options],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert report["results"]["failed_checks"] == []
    assert report["summary"]["passed"] >= 15
    assert report["summary"]["failed"] == 0
    assert proc.returncode == 0


def test_cfn_lint_finds_nothing(dry_run: dict[str, Any]) -> None:
    path = Path(dry_run["assembly"]) / "demo-cicd.template.json"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "json", "--regions", "eu-west-1", "--", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert json.loads(proc.stdout or "[]") == []
    assert proc.returncode == 0


def test_an_existing_provider_is_imported_not_created(tmp_path: Path) -> None:
    from infra.cicd import CicdConfig
    from labctl.cicd.bootstrap import plan

    config = CicdConfig(repository=REPOSITORY, lab_name="demo", region="us-east-1", oidc_provider="import")
    imported = plan(config, tmp_path / "cdk.out", account="123456789012")
    templates, _ = read_assembly(tmp_path / "cdk.out")
    assert _of_type(templates["demo-cicd"], "AWS::IAM::OIDCProvider") == []
    principal = imported.trust_policy["Statement"][0]["Principal"]["Federated"]
    assert principal == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    # a lab in us-east-1 has one region to deploy to
    assume = next(p for p in imported.permissions if p["sid"] == "AssumeCdkBootstrapRoles")
    assert assume["resources"] == ["arn:aws:iam::123456789012:role/cdk-hnb659fds-*-123456789012-us-east-1"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--repo", "not-a-repo"], "invalid_repository"),
        (["--repo", "o/n", "--environment", "bad env"], "invalid_environment"),
        (["--repo", "o/n", "--oidc-provider", "maybe"], "invalid_oidc_provider"),
        (["--repo", "o/n", "--lab", "Bad_Name"], "invalid_lab_name"),
    ],
)
def test_bad_bootstrap_input_fails_with_a_stable_code_before_any_synth(args: list[str], code: str) -> None:
    from labctl.cli import app

    result = CliRunner().invoke(app, ["cicd", "bootstrap", *args, "--dry-run", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == code
