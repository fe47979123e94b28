"""`npx cdk synth` through the pinned CDK CLI (package.json) works offline from the repo root."""

from __future__ import annotations

import json

from tests.infra.conftest import CLI_LAB, CliSynth


def test_cdk_cli_synthesizes_every_stack_offline_with_cdk_nag_clean(cli_synth: CliSynth) -> None:
    code, output, outdir = cli_synth.wait()
    assert code == 0, output[-3000:]
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = sorted(k for k, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack")
    assert stacks == sorted(
        f"{CLI_LAB}-{p}" for p in ("network", "data", "compute", "edge", "observability", "control")
    )
    # No domain: the ALB listens on HTTP 80 behind CloudFront (and the nag acknowledgements held).
    compute = json.loads((outdir / f"{CLI_LAB}-compute.template.json").read_text())
    ports = sorted(
        r["Properties"]["Port"]
        for r in compute["Resources"].values()
        if r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"
    )
    assert ports == [80, 9000]
    assert "AwsSolutions" not in output


def test_a_bad_context_value_fails_synth_with_a_clear_message() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "infra.app"],
        cwd=root,
        env={
            "CDK_CONTEXT_JSON": json.dumps({"compute": "ec2"}),
            "PATH": "/usr/bin:/bin",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "labctl infra: config error [invalid_compute]: compute 'ec2' must be one of ('fargate', 'lambda')"
    )
