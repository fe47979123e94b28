"""Deploy through the CDK CLI with a Rich live view of each stack's CloudFormation status."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
from rich.live import Live
from rich.table import Table

from labctl.lifecycle import cdk
from labctl.output import LabError, err_console

POLL_SECONDS = 5.0


def _statuses(sess: boto3.Session, layout: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, region in layout.items():
        try:
            found[name] = sess.client("cloudformation", region_name=region).describe_stacks(StackName=name)["Stacks"][
                0
            ]["StackStatus"]
        except ClientError:
            found[name] = "-"
    return found


def _table(statuses: dict[str, str], last: str) -> Table:
    table = Table(title="cdk deploy", title_justify="left", caption=last[-100:], caption_justify="left")
    table.add_column("stack")
    table.add_column("status")
    for name, status in statuses.items():
        color = (
            "green"
            if status.endswith("COMPLETE") and "ROLLBACK" not in status
            else ("red" if "FAILED" in status or "ROLLBACK" in status else "yellow")
        )
        table.add_row(name, f"[{color}]{status}[/]")
    return table


def _poll(sess: boto3.Session, layout: dict[str, str], live: Live, lines: list[str], done: threading.Event) -> None:
    while not done.wait(POLL_SECONDS):
        live.update(_table(_statuses(sess, layout), lines[-1] if lines else ""))


def deploy_with_progress(
    sess: boto3.Session, commands: list[list[str]], layout: dict[str, str], *, quiet: bool
) -> dict[str, dict[str, str]]:
    """Run each deploy command; returns the stacks' outputs (from --outputs-file)."""
    env = cdk.cli_env(
        {
            "AWS_REGION": str(sess.region_name),
            **({"AWS_PROFILE": sess.profile_name} if sess.profile_name != "default" else {}),
        }
    )
    lines: list[str] = []
    for command in commands:
        done = threading.Event()
        with Live(
            _table({n: "-" for n in layout}, ""), console=err_console, refresh_per_second=2, transient=quiet
        ) as live:
            poller = threading.Thread(target=_poll, args=(sess, layout, live, lines, done), daemon=True)
            poller.start()
            code = cdk.run(command, env, lines.append)
            done.set()
            poller.join()
            live.update(_table(_statuses(sess, layout), lines[-1] if lines else ""))
        if code != 0:
            raise LabError(
                "deploy_failed",
                cdk.exited("cdk deploy", code, lines),
                "See `labctl status`; `labctl down` removes what was created (the timer also will).",
            )
    outputs_file = Path(commands[-1][commands[-1].index("--outputs-file") + 1])
    data: dict[str, dict[str, str]] = json.loads(outputs_file.read_text()) if outputs_file.exists() else {}
    return data
