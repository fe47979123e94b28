"""What the local lab runs: the command line and environment of each service.

labctl never imports the api package: the API, the seed and the worker are launched by module name,
with the lab's endpoints in their environment (the same variables the cloud deployment sets).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labctl.local.deployment import contract
from labctl.paths import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
WORKER_MODULE_FILE = REPO_ROOT / "api" / "workers" / "local.py"
REGION = "us-east-1"
TABLE_NAME = "labctl-local-bookings"
HOST = "127.0.0.1"
DUMMY_CREDENTIAL = "local"  # DynamoDB Local and moto accept any key; a real one must never be needed
# never let a child reach a real AWS account, whatever the learner's shell has exported
_SCRUBBED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL")


@dataclass(frozen=True)
class Endpoints:
    """Where the lab's AWS stand-ins listen."""

    dynamodb: str
    sqs: str
    moto: str = ""  # S3, CloudWatch and Logs; the load stack runs without it

    def as_dict(self) -> dict[str, str]:
        """Per-service URLs (the queue service serves SQS; moto S3, CloudWatch and CloudWatch Logs on one port)."""
        return {
            "dynamodb": self.dynamodb,
            "sqs": self.sqs,
            "s3": self.moto,
            "cloudwatch": self.moto,
            "logs": self.moto,
            "moto": self.moto,
        }


def worker_available() -> bool:
    """The local worker is supervised only when its module exists (it may not have landed yet)."""
    return WORKER_MODULE_FILE.is_file()


def moto_argv(port: int) -> list[str]:
    """moto in server mode: S3, CloudWatch, CloudWatch Logs (and the rest of moto) on one port."""
    return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]


def sqs_argv(port: int, region: str = REGION) -> list[str]:
    """The lab's queue service (labctl.local.sqs): SQS's JSON protocol, cheap at any queue length (ADR 0015)."""
    return [sys.executable, "-m", "labctl.local.sqs.server", "--host", HOST, "--port", str(port), "--region", region]


def api_argv(port: int, *, workers: int = 1) -> list[str]:
    """The API as it runs in its container: uvicorn with uvloop and httptools, app factory (behind the front door)."""
    return [*_uvicorn(port), "--workers", str(workers)] if workers != 1 else _uvicorn(port)


def _uvicorn(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.http.app:create_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--no-server-header",  # no `server: uvicorn` banner, as in the image (Dockerfile)
        "--timeout-keep-alive",
        "5",
        # SIGTERM: stop accepting, finish what is in flight, as the task does on ECS (contracts/deployment.json)
        "--timeout-graceful-shutdown",
        f"{contract().graceful_shutdown_s:g}",
    ]


def frontdoor_argv(port: int, admin_port: int, blue_url: str) -> list[str]:
    """The front door (the lab's ALB) on the lab's public port, blue registered and weighted 100."""
    argv = [sys.executable, "-m", "labctl.local.frontdoor.server", "--host", HOST, "--port", str(port)]
    return [*argv, "--admin-port", str(admin_port), "--target", f"blue={blue_url}"]


def worker_argv() -> list[str]:
    """`python -m api.workers.local`, as its owner's launcher builds it."""
    from labctl.local import worker_launcher

    return worker_launcher.worker_command()


def shipper_argv(moto: str, region: str, logs: Path) -> list[str]:
    """The EMF shipper: API and worker log lines -> CloudWatch metrics (and Logs) on moto, once a second."""
    return [
        sys.executable,
        "-m",
        "labctl.local.emf_shipper",
        "--endpoint-url",
        moto,
        "--region",
        region,
        "--file",
        str(logs / "api.log"),
        "--file",
        str(logs / "worker.log"),
        "--log-group",
        "/labctl/local",
        "--interval",
        "1",
    ]


def aws_env(endpoints: Endpoints, region: str = REGION) -> dict[str, str]:
    """Dummy credentials and per-service endpoint URLs, so any boto3 client in a child lands on the lab."""
    env = {
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIAL,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoints.dynamodb,
        "AWS_ENDPOINT_URL_SQS": endpoints.sqs,
    }
    for service in ("S3", "CLOUDWATCH", "CLOUDWATCH_LOGS") if endpoints.moto else ():
        env[f"AWS_ENDPOINT_URL_{service}"] = endpoints.moto
    return env


def app_env(
    endpoints: Endpoints,
    queues: Mapping[str, str],
    *,
    table: str = TABLE_NAME,
    hold_ttl: int = 300,
    region: str = REGION,
) -> dict[str, str]:
    """The booking service's settings for this lab (API and worker share them)."""
    env = {
        **aws_env(endpoints, region),
        "STORE": "dynamodb",
        "DYNAMODB_ENDPOINT_URL": endpoints.dynamodb,
        "TABLE_NAME": table,
        "HOLD_TTL_SECONDS": str(hold_ttl),
        "SQS_ENDPOINT_URL": endpoints.sqs,
        "HOLD_EXPIRY_QUEUE_URL": queues["hold_expiry"],
        "BOOKING_EVENTS_QUEUE_URL": queues["booking_events"],
        "LOG_LEVEL": "INFO",
    }
    if WEB_DIR.is_dir():
        env["WEB_DIR"] = str(WEB_DIR)
    return env


def child_env(extra: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """base (default os.environ) without real-AWS variables, plus extra, with the repo on PYTHONPATH."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _SCRUBBED}
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env
