"""Session fixtures for infra tests: ONE in-process synth per compute mode, shared by every test.

Fixture names (reuse them in test_cost*.py, test_lab_control*.py, test_observability*.py):
  infra_configs      -> {"fargate": LabConfig, "lambda": LabConfig}
                        fargate: lab "ftest", region eu-west-1, custom domain (cross-region edge,
                        ACM certificates, HTTPS ALB); lambda: lab "ltest", us-east-1, no domain.
  synth_results      -> {"fargate": SynthResult, "lambda": SynthResult} (outdir, templates,
                        nag violations, acknowledgements, synth error if any, assertion templates,
                        and `app`, the cdk.App, to reach the stack objects' public attributes)
  templates          -> {"fargate": {"ftest-compute": <template dict>, ...}, "lambda": {...}}
  assertion_templates-> same shape, values are aws_cdk.assertions.Template (built lazily, cached)
  cli_synth          -> a running `npx cdk synth` (fargate, us-east-1, no domain) started at first
                        use; `.wait()` gives (returncode, stdout+stderr, outdir)
  variant_synth      -> a running synth of the six variants (mode x domain x region) the two
                        session labs leave out (tests/infra/variants.py); `.wait()` as above
Templates are synthesized into a tmp dir; stack names come from infra.config.stack_names(config).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from labctl.cost.templates import stack_artifacts

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO_ROOT = Path(__file__).resolve().parents[2]
MODES = ("fargate", "lambda")
CLI_LAB = "clitest"


@dataclass
class SynthResult:
    """What one synth of one lab produced."""

    config: Any
    outdir: Path
    templates: dict[str, dict[str, Any]]
    violations: list[tuple[str, str, str]]  # (severity, rule, construct path)
    acknowledgements: dict[str, dict[str, str]]  # construct path -> {rule id: reason}
    synth_error: str | None
    app: Any = None  # the cdk.App, to reach stack objects: app.node.find_child("<lab>-compute")
    _assertions: dict[str, Any] = field(default_factory=dict)

    def assertion(self, stack_name: str) -> Any:
        """An aws_cdk.assertions.Template of one stack (cached)."""
        from aws_cdk import assertions

        if stack_name not in self._assertions:
            self._assertions[stack_name] = assertions.Template.from_json(self.templates[stack_name])
        return self._assertions[stack_name]

    def stack(self, part: str) -> dict[str, Any]:
        """The template of `<lab>-<part>`."""
        return self.templates[self.config.stack_name(part)]


def read_assembly(outdir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """Templates by stack name and nag acknowledgements by construct path, from a cloud assembly."""
    templates: dict[str, dict[str, Any]] = {}
    acks: dict[str, dict[str, str]] = {}
    for stack in stack_artifacts(outdir):
        templates[stack.name] = stack.template()
        if stack.metadata_file:
            for path, entries in json.loads(stack.metadata_file.read_text()).items():
                for entry in entries:
                    if entry["type"] == "aws:cdk:acknowledged-rules":
                        acks.setdefault(path, {}).update(entry["data"])
    return templates, acks


def read_violations(outdir: Path) -> list[tuple[str, str, str]]:
    """cdk-nag findings from the validation report (absent when nothing was reported)."""
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    found = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                found.append((violation["severity"], violation["ruleName"], construct["constructPath"]))
    return found


# A fixed self-destruct time: templates are then identical from one synth to the next.
EXPIRES_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _configs() -> dict[str, Any]:
    from infra.config import LabConfig

    return {
        "fargate": LabConfig(
            lab_name="ftest",
            owner="infra-tests",
            region="eu-west-1",
            compute="fargate",
            domain_name="tickets.example.com",
            hosted_zone_id="Z0123456789ABCDEFGHIJ",
            hosted_zone_name="example.com",
            desired_count=2,
            max_count=6,
            hold_ttl_seconds=120,
            tags={"cost-center": "learning"},
            expires_at=EXPIRES_AT,
        ),
        "lambda": LabConfig(
            lab_name="ltest", owner="infra-tests", region="us-east-1", compute="lambda", expires_at=EXPIRES_AT
        ),
    }


@pytest.fixture(scope="session")
def infra_configs() -> dict[str, Any]:
    """The LabConfig of each compute mode."""
    return _configs()


@pytest.fixture(scope="session")
def synth_results(
    request: pytest.FixtureRequest, infra_configs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, SynthResult]:
    """Synthesize each mode once (in-process, cdk-nag attached) and read the assembly back."""
    from infra.app import build_app

    # When the CLI or variant tests are collected, start their synths first so they overlap with these two.
    collected = {Path(str(item.fspath)).name for item in request.session.items}
    for test_file, fixture in (("test_cdk_cli.py", "cli_synth"), ("test_physical_names.py", "variant_synth")):
        if test_file in collected:
            request.getfixturevalue(fixture)

    results = {}
    for mode in MODES:
        outdir = tmp_path_factory.mktemp(f"cdk-{mode}")
        app = build_app(infra_configs[mode], outdir=str(outdir))
        error = None
        try:
            app.synth()
        except RuntimeError as err:  # cdk-nag failures surface as a ValidationFailed RuntimeError
            error = str(err)[:2000]
        templates, acks = read_assembly(outdir)
        results[mode] = SynthResult(
            config=infra_configs[mode],
            outdir=outdir,
            templates=templates,
            violations=read_violations(outdir),
            acknowledgements=acks,
            synth_error=error,
            app=app,
        )
    return results


@pytest.fixture(scope="session")
def templates(synth_results: dict[str, SynthResult]) -> dict[str, dict[str, dict[str, Any]]]:
    """Templates as dicts: templates[mode][stack_name]."""
    return {mode: result.templates for mode, result in synth_results.items()}


class _LazyAssertions(dict[str, Any]):
    def __init__(self, result: SynthResult) -> None:
        super().__init__()
        self._result = result

    def __missing__(self, stack_name: str) -> Any:
        return self._result.assertion(stack_name)


@pytest.fixture(scope="session")
def assertion_templates(synth_results: dict[str, SynthResult]) -> dict[str, dict[str, Any]]:
    """assertions.Template objects: assertion_templates[mode][stack_name] (built on first access)."""
    return {mode: _LazyAssertions(result) for mode, result in synth_results.items()}


@dataclass
class CliSynth:
    """A background `npx cdk synth` run."""

    process: subprocess.Popen[str]
    outdir: Path
    _output: str | None = None

    def wait(self, timeout: float = 240) -> tuple[int, str, Path]:
        """Wait for the CLI to finish; returns (returncode, output, outdir)."""
        if self._output is None:
            self._output, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, self._output, self.outdir


def _in_background(args: list[str], outdir: Path, env: dict[str, str], nice: int = 0) -> Iterator[CliSynth]:
    """Run a synth command in the background for the session; kill it if the session ends first.

    nice > 0 lowers its CPU priority, so it takes only cycles the session synth leaves idle.
    """
    process = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    yield CliSynth(process=process, outdir=outdir)
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.fixture(scope="session")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliSynth]:
    """Start `npx cdk synth` (fargate, us-east-1, no domain, cdk-nag on) through the pinned CLI."""
    outdir = tmp_path_factory.mktemp("cdk-cli")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    for key in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(key, None)
    cdk = ["npx", "--no-install", "cdk", "synth", "--quiet", "--no-notices", "--no-version-reporting"]
    context = ["-c", f"lab_name={CLI_LAB}", "-c", "compute=fargate", "-c", "region=us-east-1"]
    yield from _in_background([*cdk, "-o", str(outdir), *context], outdir, env)


def session_variants(configs: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(mode, region, domain) of the two session labs."""
    return [(c.compute, c.region, c.has_domain) for c in configs.values()]


@pytest.fixture(scope="session")
def variant_synth(tmp_path_factory: pytest.TempPathFactory, infra_configs: dict[str, Any]) -> Iterator[CliSynth]:
    """Start the synth of every variant the session labs do not cover, in one subprocess."""
    from tests.infra.variants import every_variant

    outdir = tmp_path_factory.mktemp("cdk-variants")
    covered = set(session_variants(infra_configs))
    rest = [json.dumps(list(v)) for v in every_variant() if v not in covered]
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    args = [sys.executable, "-m", "tests.infra.variants", str(outdir), *rest]
    yield from _in_background(args, outdir, env, nice=10)
