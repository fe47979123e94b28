"""checkov over the lab's synthesized templates, both compute modes: no failed check, each skip has a reason.

The checks the lab does not follow are skipped by id, each with its reason (infra/checkov_skips.py, the
same answers as the cdk-nag acknowledgements). Everything else must pass.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.checkov_skips import CHECKOV_SKIPS
from tests.infra.conftest import MODES, SynthResult

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV = REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov"


def run_checkov(outdir: Path) -> dict[str, Any]:
    """checkov's JSON report over every template of one synthesized cloud assembly."""
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make setup`"
    options = ["--framework", "cloudformation", "--skip-download", "--quiet", "--compact", "-o", "json"]
    if CHECKOV_SKIPS:
        options += ["--skip-check", ",".join(CHECKOV_SKIPS)]
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    args = [str(CHECKOV), *[a for t in templates for a in ("-f", t)], *options]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    doc = json.loads(proc.stdout)
    reports: list[dict[str, Any]] = doc if isinstance(doc, list) else [doc]
    failed = [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    skipped = [c for r in reports for c in r.get("results", {}).get("skipped_checks", [])]
    return {"failed": failed, "passed": passed, "skipped": skipped, "rc": proc.returncode}


@pytest.mark.timeout(900)  # checkov reads ~10 templates per mode: ~2 minutes on a busy 2-core machine
@pytest.mark.parametrize("mode", MODES)
def test_checkov_finds_nothing_in_the_lab_templates(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    assert result.synth_error is None, result.synth_error
    report = run_checkov(result.outdir)
    failed = sorted({(c["check_id"], c["resource"], Path(c["file_path"]).name) for c in report["failed"]})
    print(f"\ncheckov {mode}: {report['passed']} passed, {len(failed)} failed, {len(report['skipped'])} skipped")
    for row in failed:
        print("  ", *row)
    assert failed == []
    assert report["passed"] >= 100
    assert report["rc"] == 0


def test_every_checkov_skip_carries_a_specific_reason() -> None:
    assert CHECKOV_SKIPS
    for check, reason in CHECKOV_SKIPS.items():
        assert check.startswith("CKV_AWS_")
        assert len(reason) >= 80, check
