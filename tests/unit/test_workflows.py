"""The GitHub Actions workflows: pinned actions, OIDC only where needed, stage order, CI == `make test`."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){1,2}\s*$")


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def _steps(doc: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = doc["jobs"][job]["steps"]
    return steps


def _index(steps: list[dict[str, Any]], predicate: Any) -> int:
    found = [i for i, step in enumerate(steps) if predicate(step)]
    assert found, "no step matched"
    return found[0]


def _uses(action: str) -> Any:
    return lambda step: str(step.get("uses", "")).startswith(action + "@")


def _runs(text: str) -> Any:
    return lambda step: text in str(step.get("run", ""))


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict[str, Any]]:
    return {path.name: _load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}


def test_the_three_workflows_exist(workflows: dict[str, dict[str, Any]]) -> None:
    assert sorted(workflows) == ["ci.yml", "deploy.yml", "destroy.yml"]


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment() -> None:
    uses_lines = [
        (path.name, line.strip())
        for path in WORKFLOWS.glob("*.yml")
        for line in path.read_text().splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]
    assert len(uses_lines) >= 15
    for name, line in uses_lines:
        ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        assert PINNED.match(ref), f"{name}: {ref} is not pinned to a 40-hex commit"
        assert VERSION_COMMENT.search(line), f"{name}: {line} has no `# vX.Y.Z` comment"


def test_the_same_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for action, sha in re.findall(r"uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})", path.read_text()):
            pins.setdefault(action, set()).add(sha)
    assert {a: s for a, s in pins.items() if len(s) > 1} == {}


def test_only_jobs_that_assume_the_aws_role_may_request_an_oidc_token(workflows: dict[str, dict[str, Any]]) -> None:
    with_token = []
    for name, doc in workflows.items():
        assert doc.get("permissions") in ({}, {"contents": "read"}), f"{name}: workflow-wide permissions too wide"
        for job_name, job in doc["jobs"].items():
            token = (job.get("permissions") or {}).get("id-token") == "write"
            assumes = any(_uses("aws-actions/configure-aws-credentials")(s) for s in job["steps"])
            assert token == assumes, f"{name}/{job_name}: id-token: write iff it assumes the AWS role"
            with_token += [f"{name}/{job_name}"] if token else []
    assert with_token == ["deploy.yml/deploy", "destroy.yml/destroy"]


def test_no_workflow_uses_stored_aws_keys() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text()
        assert "secrets." not in text, path.name
        assert "aws-access-key-id" not in text, path.name


def test_ci_is_read_only_with_a_concurrency_group_and_no_cloud_access(workflows: dict[str, dict[str, Any]]) -> None:
    ci = workflows["ci.yml"]
    assert ci["permissions"] == {"contents": "read"}
    assert "github.ref" in ci["concurrency"]["group"]
    assert set(ci["on"]) == {"pull_request", "push"}
    assert "configure-aws-credentials" not in (WORKFLOWS / "ci.yml").read_text()


def make_test_targets() -> list[str]:
    """The make targets `make test` runs, in its order (each phase is a `$(call TIMED,targets)`)."""
    makefile = (REPO / "Makefile").read_text()
    match = re.search(r"^test:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    assert match, "Makefile has no test target"
    phases = re.findall(r"\$\(call TIMED,([^)]+)\)", match.group(1))
    assert phases, "`make test` runs no timed phase"
    return [target for phase in phases for target in phase.split()]


def ci_runs() -> list[str]:
    doc = _load("ci.yml")
    return [str(s.get("run", "")) for job in doc["jobs"].values() for s in job["steps"]]


def test_ci_runs_every_target_of_make_test_and_every_test_path_once() -> None:
    runs = ci_runs()
    made = {target for run in runs if run.startswith("make ") for target in shlex.split(run)[1:] if "=" not in target}
    targets = make_test_targets()
    assert {"setup", "lint", "typecheck", "contracts", "web-lint", "actions-lint", "pytest"} <= set(targets)
    assert [t for t in targets if t not in made] == [], "`make test` runs a target no CI job runs"
    # the suite runs through `make pytest` (the same options as `make test`), split by PYTEST_PATHS
    assert not any(".venv/bin/pytest" in run or run.startswith("pytest") for run in runs), "pytest only via make"
    covered = [
        path
        for run in runs
        if run.startswith("make pytest")
        for arg in shlex.split(run)[2:]
        if arg.startswith("PYTEST_PATHS=")
        for path in arg.split("=", 1)[1].split()
    ]
    testpaths = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    assert sorted(covered) == sorted(testpaths), "each test path runs in exactly one CI job"
    assert re.search(r"^pytest:\n\t\$\(PYTEST\) \$\(PYTEST_PATHS\)$", (REPO / "Makefile").read_text(), re.M)


def test_ci_builds_the_arm64_image_with_a_layer_cache_and_never_pushes(workflows: dict[str, dict[str, Any]]) -> None:
    steps = _steps(workflows["ci.yml"], "image")
    build = steps[_index(steps, _uses("docker/build-push-action"))]["with"]
    assert build["platforms"] == "linux/arm64"
    assert build["push"] is False
    assert build["cache-from"].startswith("type=gha")
    assert build["cache-to"].startswith("type=gha")
    assert _index(steps, _uses("docker/setup-buildx-action")) < _index(steps, _uses("docker/build-push-action"))


def test_deploy_takes_ttl_compute_region_and_deploys_on_push_only_when_enabled(
    workflows: dict[str, dict[str, Any]],
) -> None:
    deploy = workflows["deploy.yml"]
    assert set(deploy["on"]["workflow_dispatch"]["inputs"]) == {"ttl", "compute", "region"}
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert "vars.DEPLOY_ON_PUSH == 'true'" in deploy["jobs"]["deploy"]["if"]
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_deploy_runs_in_the_reviewed_environment_the_role_trusts(workflows: dict[str, dict[str, Any]]) -> None:
    from infra.cicd import CicdConfig

    assert workflows["deploy.yml"]["jobs"]["deploy"]["environment"] == CicdConfig(repository="o/n").environment


def test_deploy_stages_run_in_order_and_the_timer_stays_armed_on_failure(workflows: dict[str, dict[str, Any]]) -> None:
    steps = _steps(workflows["deploy.yml"], "deploy")
    order = [
        _index(steps, _uses("actions/checkout")),
        _index(steps, _uses("aws-actions/configure-aws-credentials")),
        _index(steps, _uses("aws-actions/amazon-ecr-login")),
        _index(steps, _uses("docker/build-push-action")),
        _index(steps, _runs("labctl up ")),
        _index(steps, _runs("api.seed")),
        _index(steps, _runs("labctl cicd smoke")),
        _index(steps, _runs("labctl cicd summary")),
    ]
    assert order == sorted(order)
    push = steps[order[3]]["with"]
    assert push["push"] is True
    assert push["platforms"] == "linux/arm64"
    assert push["tags"].endswith("-api:${{ github.sha }}")
    up = str(steps[order[4]]["run"])
    assert all(flag in up for flag in ("--ttl", "--yes", "--json", '--image-tag "$IMAGE_TAG"'))
    assert steps[order[7]]["if"] == "always()"
    assert not any("labctl down" in str(s.get("run", "")) for s in steps), "a failed deploy leaves the lab to its timer"
    # the deploy never restores a cache another branch could have written
    assert not any(_uses("actions/cache")(s) for s in steps)
    assert not any("cache" in (s.get("with") or {}) for s in steps)


def test_deploy_seeds_the_table_the_data_stack_creates() -> None:
    from infra.config import LabConfig
    from infra.contracts import load_table

    assert LabConfig(lab_name="abc").stack_name(load_table().name) == "abc-bookings"
    assert '--table "$LAB_NAME-bookings"' in (WORKFLOWS / "deploy.yml").read_text()


def test_destroy_runs_hourly_and_on_demand_and_tears_down_with_labctl(workflows: dict[str, dict[str, Any]]) -> None:
    destroy = workflows["destroy.yml"]
    assert "workflow_dispatch" in destroy["on"]
    (cron,) = [entry["cron"] for entry in destroy["on"]["schedule"]]
    minute, hour, *rest = cron.split()
    assert minute.isdigit(), "hourly, at a fixed minute"
    assert (hour, rest) == ("*", ["*", "*", "*"]), "hourly"
    steps = _steps(destroy, "destroy")
    check, down = _index(steps, _runs("python -m labctl.cicd.expiry")), _index(steps, _runs("labctl down --yes"))
    assert check < down
    assert "steps.due.outputs.due == 'true'" in steps[down]["if"]
    # the hourly check installs boto3 alone, pinned
    assert re.search(r'pip install --quiet "boto3==[\d.]+"', str(steps[check]["run"]))
