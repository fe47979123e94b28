"""cdk-nag AwsSolutions: zero unacknowledged findings, every acknowledgement reasoned; cfn-lint: zero errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import MODES, SynthResult

# CDK emits DependsOn next to Ref/GetAtt for ordering it cannot express otherwise; informational only.
CFN_LINT_IGNORED = ["W3005"]
OWN_STACKS = {"network", "data", "compute", "edge"}


@pytest.mark.parametrize("mode", MODES)
def test_cdk_nag_reports_no_unacknowledged_finding(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    assert result.synth_error is None, result.synth_error
    assert result.violations == []


@pytest.mark.parametrize("mode", MODES)
def test_every_acknowledgement_carries_a_specific_reason(synth_results: dict[str, SynthResult], mode: str) -> None:
    acks = synth_results[mode].acknowledgements
    assert acks, "expected acknowledged findings (e.g. the BucketDeployment singleton)"
    for path, rules in acks.items():
        for rule, reason in rules.items():
            if rule.split("::", 1)[-1].startswith("AwsSolutions-"):
                assert len(reason) >= 60, (path, rule, reason)
            else:  # CDK's own CloudFormation-Validate acknowledgements
                assert reason.strip(), (path, rule)


def test_cfn_lint_finds_no_error_in_any_template(synth_results: dict[str, SynthResult]) -> None:
    # One CLI run over both modes' templates (the Python API reloads its specs per file: 2x slower).
    files = [str(r.outdir / f"{name}.template.json") for r in synth_results.values() for name in r.templates]
    regions = sorted({r.config.region for r in synth_results.values()} | {"us-east-1"})
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--format",
            "json",
            "--regions",
            *regions,
            "--ignore-checks",
            *CFN_LINT_IGNORED,
            "--",
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert len(files) == 11
    # Errors fail everywhere; warnings fail too in the four stacks this suite owns.
    failing = [
        f"{Path(f['Filename']).name}: {f['Rule']['Id']} {f['Message']}"
        for f in findings
        if f["Level"] == "Error" or Path(f["Filename"]).name.split(".")[0].rsplit("-", 1)[-1] in OWN_STACKS
    ]
    assert failing == []
    assert proc.returncode & ~12 == 0, proc.stderr  # bit 2 = errors, 1 = fatal; 4/8 = warnings/info
