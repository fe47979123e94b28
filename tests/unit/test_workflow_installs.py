"""The workflows install as the Makefile does, from the lock files, and CI's caches are keyed on those files."""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_workflows import REPO, _load, _uses

LOCK_GLOB = "requirements/*.txt"
CACHE_DIRS = {"~/.cache/uv", "~/.cache/pip"}
UV = REPO / ".venv" / ".uv" / "bin" / "uv"


def _runs(doc: dict[str, Any], job: str) -> list[str]:
    return [str(s["run"]) for s in doc["jobs"][job]["steps"] if "run" in s]


def _first(steps: list[dict[str, Any]], predicate: Any) -> int:
    return next(i for i, step in enumerate(steps) if predicate(step))


def _installed_locks() -> set[str]:
    """The lock files the Makefile installs from (uv, the lab's venv, the dev venv, the image's deps)."""
    return {f"requirements/{name}" for name in re.findall(r"\$\(LOCKS\)/(\w+\.txt)", (REPO / "Makefile").read_text())}


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return _load("ci.yml")


def test_every_ci_job_installs_with_make_setup_after_restoring_caches_keyed_on_the_lock_files(
    ci: dict[str, Any],
) -> None:
    python_jobs = [name for name in ci["jobs"] if name != "image"]
    assert len(python_jobs) == 4
    for name in python_jobs:
        steps = ci["jobs"][name]["steps"]
        node = _first(steps, _uses("actions/setup-node"))
        cache = _first(steps, _uses("actions/cache"))
        setup = _first(steps, lambda s: "run" in s)
        assert _first(steps, _uses("actions/checkout")) < node < cache < setup, name
        assert steps[setup]["run"] == "make setup", f"{name}: install with `make setup`, as a developer does"
        assert steps[node]["with"]["cache"] == "npm"
        assert steps[node]["with"]["cache-dependency-path"] == "package-lock.json"
        py = steps[cache]["with"]
        assert set(py["path"].split()) == CACHE_DIRS, name
        hashed = re.findall(r"hashFiles\(([^)]*)\)", py["key"])
        assert hashed == [f"'{LOCK_GLOB}'"], f"{name}: the key hashes the lock files and nothing else"
        assert py["key"].startswith(py["restore-keys"]), "a changed lock restores the last cache, then saves anew"
        assert py["restore-keys"].endswith("-")


def test_the_cache_key_covers_every_lock_file_the_makefile_installs_from() -> None:
    locks = {p.relative_to(REPO).as_posix() for p in (REPO / "requirements").glob("*.txt")}
    assert {"requirements/uv.txt", "requirements/runtime.txt", "requirements/dev.txt"} <= _installed_locks() <= locks
    assert all(fnmatch.fnmatch(lock, LOCK_GLOB) for lock in locks)
    assert not any(fnmatch.fnmatch(other, LOCK_GLOB) for other in ("requirements/dev.in", "pyproject.toml"))


@pytest.mark.parametrize(
    ("tool", "expected"),
    [([str(UV), "cache", "dir"], ".cache/uv"), ([sys.executable, "-m", "pip", "cache", "dir"], ".cache/pip")],
)
def test_uv_and_pip_cache_where_the_ci_cache_step_restores(tool: list[str], expected: str, tmp_path: Path) -> None:
    """A job's $HOME holds the caches; no workflow setting moves them elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_", "XDG_"))}
    env["HOME"] = str(tmp_path)
    found = subprocess.run(tool, env=env, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert Path(found) == tmp_path / expected
    assert f"~/{expected}" in CACHE_DIRS
    assert not any(k.endswith(("CACHE_DIR", "CACHE_HOME")) for k in _load("ci.yml").get("env", {}))


def test_no_workflow_installs_python_packages_outside_the_lock_files() -> None:
    for name in ("ci.yml", "deploy.yml", "destroy.yml"):
        doc = _load(name)
        for job in doc["jobs"]:
            for run in _runs(doc, job):
                for unlocked in ("pip install -e", "pip install .", "npm ci", "npm install"):
                    assert unlocked not in run, f"{name}/{job}: install through make, from the lock files"


def test_deploy_installs_the_dev_lock_and_the_cdk_cli_and_runs_labctl_from_that_venv() -> None:
    runs = _runs(_load("deploy.yml"), "deploy")
    (install,) = [r for r in runs if r.startswith("make ")]
    assert install.split()[-2:] == [".venv/.installed", "node_modules/.installed"]
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^\$\(VENV\)/\.installed: \$\(LOCKS\)/dev\.txt", makefile, re.M)
    assert re.search(r"^node_modules/\.installed: package\.json package-lock\.json", makefile, re.M)
    # cdk.json runs the CDK app with the venv's Python: a deploy without .venv could not synthesize
    assert '".venv/bin/python -m infra.app"' in (REPO / "cdk.json").read_text()
    lines = [line.strip() for run in runs for line in run.splitlines() if not line.strip().startswith("echo ")]
    assert sum(".venv/bin/labctl " in line for line in lines) >= 4
    bare = [line for line in lines if re.search(r"(^|[\s!;(|&])(labctl|python) ", line)]
    assert bare == [], "labctl and python from the venv the lock file made"


def test_destroy_installs_the_runtime_lock_and_pins_boto3_as_the_lock_does() -> None:
    runs = _runs(_load("destroy.yml"), "destroy")
    assert [r for r in runs if r.startswith("make ")] == ["make PY=python .venv/.runtime"]
    assert any(".venv/bin/labctl down --yes" in r for r in runs)
    (pinned,) = re.findall(r'"boto3==([\d.]+)"', "\n".join(runs))
    locked = re.search(r"^boto3==([\d.]+)", (REPO / "requirements" / "runtime.txt").read_text(), re.M)
    assert locked
    assert pinned == locked.group(1), "the hourly check's boto3 moves with requirements/runtime.txt"
