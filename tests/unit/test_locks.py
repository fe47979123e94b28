"""The lock files every install uses: exact pins with hashes, in step with pyproject.toml, and installed here."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.locks import LOCK_FILES, LOCKS, read_inputs, read_lock

ROOT = LOCKS.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _missing_or_unsatisfied(requirements: list[Requirement], lock: str) -> list[str]:
    pins = read_lock(lock)
    bad = []
    for req in requirements:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            bad.append(f"{req.name}: not in {lock}")
        elif not req.specifier.contains(pin.version, prereleases=True):
            bad.append(f"{req.name}{req.specifier}: {lock} has {pin.version}")
    return bad


@pytest.mark.parametrize("lock", LOCK_FILES)
def test_every_package_is_pinned_exactly_with_sha256_hashes(lock: str) -> None:
    pins = read_lock(lock)
    assert len(pins) >= 1
    unhashed = [p.name for p in pins.values() if not p.hashes]
    assert unhashed == [], f"pip --require-hashes refuses {lock}: no hash for {unhashed}"
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for p in pins.values() for h in p.hashes)


def test_the_locks_list_every_dependency_of_pyproject_at_an_allowed_version() -> None:
    runtime = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    dev = runtime + [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
    build = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]] + read_inputs("build.in")
    stale = _missing_or_unsatisfied(runtime + build, "runtime.txt") + _missing_or_unsatisfied(dev + build, "dev.txt")
    stale += _missing_or_unsatisfied(read_inputs("image.in"), "image.txt")
    stale += _missing_or_unsatisfied(read_inputs("uv.in"), "uv.txt")
    stale += _missing_or_unsatisfied(read_inputs("checkov.in"), "checkov.txt")
    stale += _missing_or_unsatisfied(read_inputs("sslyze.in"), "sslyze.txt")
    assert stale == [], "run `make lock`: " + "; ".join(stale)


@pytest.mark.parametrize("lock", ["dev.txt", "image.txt"])
def test_dev_tools_and_the_image_use_the_runtime_versions(lock: str) -> None:
    runtime = read_lock("runtime.txt")
    differ = {
        name: (pin.version, runtime[name].version)
        for name, pin in read_lock(lock).items()
        if name in runtime and pin.version != runtime[name].version
    }
    assert differ == {}


def test_the_image_lock_is_the_apis_packages_not_the_labs() -> None:
    image = read_lock("image.txt")
    assert {"fastapi", "uvicorn", "awslambdaric", "aiodynamo"} <= set(image)
    # labctl's own tools stay out of the container
    assert not {"typer", "locust", "moto", "boto3", "aws-cdk-lib", "pytest"} & set(image)


def test_this_environment_runs_exactly_the_dev_lock() -> None:
    drift = {}
    for name, pin in read_lock("dev.txt").items():
        if not pin.applies():
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pin.version:
            drift[name] = (pin.version, installed)
    assert drift == {}, f"run `make setup` (locked, installed): {drift}"


def test_every_install_in_the_makefile_and_the_dockerfile_reads_a_lock_with_hashes() -> None:
    makefile = re.sub(r"\\\n", " ", (ROOT / "Makefile").read_text())
    uv_sync = re.search(r"^UV_SYNC :=(.*)$", makefile, re.MULTILINE)
    assert uv_sync is not None
    assert "--require-hashes" in uv_sync.group(1)
    recipes = [line for line in makefile.splitlines() if line.startswith("\t")]
    installs = [line for line in recipes if re.search(r"pip install|pip sync|\$\(UV_INSTALL\)|\$\(UV_SYNC\)", line)]
    # uv itself, runtime.txt, dev.txt, checkov's and sslyze's (the editable project has no dependencies)
    assert len(installs) == 5
    for line in installs:
        assert re.search(r"\$\(LOCKS\)/(uv|runtime|dev|checkov|sslyze)\.txt", line), line
        assert "--require-hashes" in line or "$(UV_SYNC)" in line, line
    editable = re.search(r"^EDITABLE :=(.*)$", makefile, re.MULTILINE)
    assert editable is not None
    assert "--no-deps" in editable.group(1)
    assert "--no-build-isolation" in editable.group(1)  # hatchling comes from the lock, not a fresh download
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r /build/image.txt" in dockerfile
    assert not re.search(r"\s[A-Za-z0-9_.\-]+==\d", dockerfile), "list image packages in requirements/image.in"
