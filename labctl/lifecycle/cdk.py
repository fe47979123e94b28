"""The pinned CDK CLI (node_modules/.bin/cdk): synth into a cloud assembly, deploy from it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from labctl.lifecycle.aws import CDK_BIN, check_tools
from labctl.output import LabError
from labctl.paths import REPO_ROOT

_QUIET = ["--no-notices", "--no-version-reporting"]


def context_args(context: Mapping[str, str]) -> list[str]:
    """`-c key=value` for every non-empty context value."""
    args: list[str] = []
    for key, value in context.items():
        if value != "":
            args += ["-c", f"{key}={value}"]
    return args


def synth_command(context: Mapping[str, str], outdir: Path) -> list[str]:
    """`cdk synth` of every stack into outdir."""
    return [str(CDK_BIN), "synth", "--quiet", *_QUIET, "-o", str(outdir), *context_args(context)]


def deploy_commands(context: Mapping[str, str], assembly: Path, control: str, outputs: Path) -> list[list[str]]:
    """Deploy the control stack (the timer) first, alone; then every stack, from the same assembly."""
    base = [
        str(CDK_BIN),
        "deploy",
        "--app",
        str(assembly),
        "--require-approval",
        "never",
        "--progress",
        "events",
        *_QUIET,
        *context_args(context),
    ]
    return [[*base, control, "--exclusively"], [*base, "--all", "--outputs-file", str(outputs)]]


def cli_env(extra: Mapping[str, str] | None = None, *, offline: bool = False) -> dict[str, str]:
    """The CLI's environment; offline synth drops credentials (the app needs no account)."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    if offline:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(key, None)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
    return {**env, **(extra or {})}


def synth(context: Mapping[str, str], outdir: Path, *, timeout: float = 900) -> None:
    """The one way labctl synthesizes the lab: `cdk synth` of infra.app, offline; synth_failed with its last lines."""
    check_tools()
    result = subprocess.run(
        synth_command(context, outdir),
        cwd=REPO_ROOT,
        env=cli_env(offline=True),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise LabError(
            "synth_failed",
            exited("cdk synth", result.returncode, (result.stdout + result.stderr).strip().splitlines(), 8),
            "Fix the error above; `npx cdk synth` shows the full output.",
        )


def run(command: list[str], env: Mapping[str, str], on_line: Callable[[str], None]) -> int:
    """Run a CLI command, passing each output line to on_line; returns the exit code."""
    with subprocess.Popen(
        command, cwd=REPO_ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            on_line(line.rstrip())
        return proc.wait()


def exited(what: str, code: int, output: list[str], lines: int = 6) -> str:
    """`<what> exited <code>:` and the last lines of its output, where the CDK CLI says why."""
    return f"{what} exited {code}:\n" + "\n".join(output[-lines:])
