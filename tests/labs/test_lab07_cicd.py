"""Lab 07, as a scripted learner: the check fails on a fresh lab and passes after the README's steps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.labs import REPO_ROOT, fresh_home, load_check, not_done, verdict

LABCTL = str(Path(sys.executable).parent / "labctl")


def _labctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LABCTL, *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=False)


def test_lab07_fails_fresh_and_passes_after_the_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = fresh_home(tmp_path, monkeypatch, "07")
    lab = load_check("07-cicd")
    ok, checked = verdict(lab)
    assert not ok
    assert [i.ok for i in checked] == [None]

    # step 3: the bootstrap plan (a dry run synthesizes the cicd stack)
    plan = _labctl("cicd", "bootstrap", "--repo", "learner/labctl", "--dry-run", "--json")
    assert plan.returncode == 0, plan.stderr
    (work / "bootstrap.json").write_text(plan.stdout)
    # step 4: a copy with an unpinned action
    original = (REPO_ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    broken = original.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "actions/checkout@v4", 1)
    assert broken != original
    (work / "deploy.yml").write_text(broken)
    answers = {
        # the learner reads ci.yml's jobs in file order (the pipeline changes; the reading does not)
        "ci_jobs": list(yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]),
        "oidc_jobs": ["deploy/deploy", "destroy/destroy"],
        "accepted_subjects": ["repo:learner/labctl:ref:refs/heads/main", "repo:learner/labctl:environment:deploy"],
        "audience": "sts.amazonaws.com",
        "zizmor_finding": "wrong-finding",
    }
    (work / "answers.json").write_text(json.dumps(answers))
    ok, checked = verdict(lab)
    assert not_done(checked) == ["answer: zizmor_finding: you: 'wrong-finding'"]

    (work / "answers.json").write_text(json.dumps({**answers, "zizmor_finding": "unpinned-uses"}))
    ok, checked = verdict(lab)
    assert ok, not_done(checked)
    assert len(checked) == 7


def test_a_copy_identical_to_the_original_is_not_a_broken_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "07")
    (work / "deploy.yml").write_text((REPO_ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    (work / "answers.json").write_text(json.dumps({"zizmor_finding": "unpinned-uses"}))
    [caught, named] = load_check("07-cicd").check_broken_copy({"zizmor_finding": "unpinned-uses"})
    assert (caught.ok, named.ok) == (False, False)
