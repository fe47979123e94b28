"""Create the lab's resources from the same definitions the CDK app uses.

Queues: contracts/queues.json -> CreateQueue on the lab's queue service, by api.adapters.sqs.ensure_queues.
Table and catalog: contracts/table.json via `python -m api.seed --create-table` (launched, not imported).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from labctl.local.ports import wait_for_port
from labctl.local.services import DUMMY_CREDENTIAL, REGION, child_env
from labctl.output import LabError
from labctl.paths import CONTRACTS_DIR, REPO_ROOT

SEED_TIMEOUT_SECONDS = 300


def create_queues(
    sqs_endpoint: str, region: str = REGION, contracts_dir: Path = CONTRACTS_DIR, *, wait_s: float = 0.0
) -> dict[str, str]:
    """Create every contract queue and its DLQ (idempotent); URLs by key (`hold_expiry`, `hold_expiry_dlq`...).

    The booking service's own code does it (api.adapters.sqs.ensure_queues), so the lab's queues and the
    ones its tests create cannot drift apart. wait_s: first wait that long for the endpoint to listen.
    LabError `queue_setup_failed` when the endpoint does not answer.
    """
    from contextlib import AsyncExitStack

    from botocore.exceptions import BotoCoreError, ClientError

    from api.adapters.sqs import ensure_queues, open_sqs

    async def create() -> dict[str, str]:
        async with AsyncExitStack() as stack:
            sqs = await open_sqs(stack, region=region, endpoint_url=sqs_endpoint, read_timeout=10, attempts=5)
            return await ensure_queues(sqs, contracts_dir, prefix="")

    port = urlparse(sqs_endpoint).port
    if wait_s and port:
        wait_for_port(port, wait_s)
    try:
        return asyncio.run(create())
    except (BotoCoreError, ClientError) as err:
        raise LabError(
            "queue_setup_failed",
            f"Could not create the lab's queues at {sqs_endpoint}: {err}",
            "See the queue service's log (sqs.log in the lab's log folder).",
        ) from err


def seed_argv(endpoint_url: str, table: str, region: str, days: int, *, create_table: bool = True) -> list[str]:
    """`python -m api.seed ...`: create the table (if asked and missing) and load the demo catalog."""
    argv = [sys.executable, "-m", "api.seed", "--endpoint-url", endpoint_url, "--table", table]
    argv += ["--region", region, "--days", str(days)]
    return [*argv, "--create-table"] if create_table else argv


def seed_env(endpoint_url: str, region: str) -> dict[str, str]:
    """Environment of the catalog seed: dummy credentials, DynamoDB at endpoint_url, nothing pointing at AWS."""
    return child_env(
        {
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIAL,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "DYNAMODB_ENDPOINT_URL": endpoint_url,
        }
    )


def parse_seed_output(stdout: str) -> dict[str, Any]:
    """The seed prints one JSON line: the counts, or {"error": {...}} (turned into LabError `seed_failed`)."""
    lines = [ln for ln in stdout.strip().splitlines() if ln.startswith("{")]
    try:
        result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if "error" in result:
        err = result["error"]
        raise LabError(
            "seed_failed",
            f"Seeding failed: {err.get('code')}: {err.get('message')}",
            "Is DynamoDB Local running? `labctl status --local` shows its health.",
        )
    if not result:
        raise LabError("seed_failed", "The seed printed no result.", f"Its output was: {stdout.strip()[-500:]!r}")
    return result


def run_seed(endpoint_url: str, table: str, region: str, days: int, *, create_table: bool = True) -> dict[str, Any]:
    """Run the seed to completion (bounded); its JSON result, or LabError `seed_failed`."""
    try:
        done = subprocess.run(
            seed_argv(endpoint_url, table, region, days, create_table=create_table),
            capture_output=True,
            text=True,
            env=seed_env(endpoint_url, region),
            cwd=REPO_ROOT,
            timeout=SEED_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise LabError(
            "seed_failed",
            f"Seeding did not finish within {SEED_TIMEOUT_SECONDS} s.",
            "The machine may be overloaded; retry with fewer --days.",
        ) from err
    if done.returncode not in (0, 1):
        raise LabError(
            "seed_failed",
            f"`python -m api.seed` exited with {done.returncode}.",
            (done.stderr.strip() or done.stdout.strip())[-800:],
        )
    return parse_seed_output(done.stdout)
