"""Create the lab's resources from the same definitions the CDK app uses.

Queues: contracts/queues.json -> CreateQueue on moto (DLQ first, then the queue with its RedrivePolicy).
Table and catalog: contracts/table.json via `python -m api.seed --create-table` (launched, not imported).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from labctl.local.services import CONTRACTS_DIR, DUMMY_CREDENTIAL, REGION, REPO_ROOT, child_env
from labctl.output import LabError

SEED_TIMEOUT_SECONDS = 300


def queue_contract(contracts_dir: Path = CONTRACTS_DIR) -> list[dict[str, Any]]:
    """The queues of contracts/queues.json."""
    data: dict[str, Any] = json.loads((contracts_dir / "queues.json").read_text())
    return list(data["queues"])


def create_queues(sqs_endpoint: str, region: str = REGION, contracts_dir: Path = CONTRACTS_DIR) -> dict[str, str]:
    """Create every queue and its DLQ on sqs_endpoint; return URLs by key (`hold_expiry`, `hold_expiry_dlq`...)."""
    import boto3
    from botocore.config import Config

    sqs = boto3.client(
        "sqs",
        endpoint_url=sqs_endpoint,
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIAL,
        aws_secret_access_key=DUMMY_CREDENTIAL,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=2, read_timeout=10),
    )
    urls: dict[str, str] = {}
    for q in queue_contract(contracts_dir):
        dlq = q["dlq"]
        dlq_url = sqs.create_queue(
            QueueName=dlq["name"],
            Attributes={"MessageRetentionPeriod": str(dlq["message_retention_seconds"])},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(dlq["max_receive_count"])}
        url = sqs.create_queue(
            QueueName=q["name"],
            Attributes={
                "VisibilityTimeout": str(q["visibility_timeout_seconds"]),
                "MessageRetentionPeriod": str(q["message_retention_seconds"]),
                "ReceiveMessageWaitTimeSeconds": str(q["receive_wait_time_seconds"]),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        urls[q["key"]] = url
        urls[f"{q['key']}_dlq"] = dlq_url
    return urls


def seed_argv(endpoint_url: str, table: str, region: str, days: int, *, create_table: bool = True) -> list[str]:
    """`python -m api.seed ...`: create the table (if asked and missing) and load the demo catalog."""
    argv = [sys.executable, "-m", "api.seed", "--endpoint-url", endpoint_url, "--table", table]
    argv += ["--region", region, "--days", str(days)]
    return [*argv, "--create-table"] if create_table else argv


def seed_env(endpoint_url: str, region: str) -> dict[str, str]:
    """The seed's environment: dummy credentials, DynamoDB at endpoint_url, nothing pointing at real AWS."""
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
