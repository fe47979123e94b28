"""actionlint (shellcheck on run: scripts) and zizmor run offline, find real problems, and pass the workflows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACTIONLINT = [str(BIN / "jactionlint"), "--profile", "correctness", "--no-color"]
ZIZMOR = [str(BIN / "zizmor"), "--offline", "--no-progress"]
# shellcheck comes from the venv; no token, so zizmor stays offline whatever the environment holds
ENV = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
ENV["PATH"] = f"{BIN}:{ENV.get('PATH', '')}"

INJECTABLE = """\
name: bad
on: [issues]
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ github.event.issue.title }}" $UNQUOTED
"""


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120, check=False)


def test_the_repository_workflows_pass_actionlint_and_zizmor() -> None:
    lint = _run(ACTIONLINT, REPO)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = _run([*ZIZMOR, ".github/workflows"], REPO)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr


def test_the_linters_catch_template_injection_and_shell_mistakes(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(INJECTABLE)
    lint = _run([*ACTIONLINT, ".github/workflows/bad.yml"], tmp_path)
    assert lint.returncode == 1
    assert "github.event.issue.title" in lint.stdout  # actionlint: untrusted input inlined in a script
    assert "SC2086" in lint.stdout  # shellcheck found the script and ran: unquoted variable
    audit = _run([*ZIZMOR, ".github/workflows"], tmp_path)
    assert audit.returncode != 0
    assert "template-injection" in audit.stdout
