"""Session-wide real services for the tests: DynamoDB Local (official engine) and a moto server.

Fixtures:
  dynamodb_local   -> endpoint URL of an in-memory DynamoDB Local (-sharedDb), started once per session
  moto_server      -> endpoint URL of a moto server (SQS, S3, CloudWatch, Logs, CloudFormation ...)
  sqs_server       -> endpoint URL of the local lab's own queue service (labctl.local.sqs), as the lab runs it
  aws_env          -> dummy credentials + region in os.environ (never real AWS)
  fresh_table      -> a new, empty table (from contracts/table.json) on DynamoDB Local, per test

Under pytest-xdist (`make test` runs `-n 2`) every worker has its own session: the CDK
synth (tests/infra) and the local labs and browser (tests/e2e) each stay on one worker, and every other
module runs whole on one worker, so no session or module fixture is built twice for nothing.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Rich fixes a console's width for good when COLUMNS is set at its creation; the tests give COLUMNS per
# invocation instead. An inherited COLUMNS (xdist workers get COLUMNS=80: importing readline in the
# controlling pytest exports it to every child) would freeze labctl's console at that width.
os.environ.pop("COLUMNS", None)


# tests/<dir>/ whose tests share one costly session fixture: one xdist work unit each
SHARED_SESSION_DIRS = {"infra": "cdk-synth", "e2e": "local-lab"}


def xdist_group(test_file: Path) -> str:
    """The xdist work unit of a test file: its directory's shared setup, else the file itself."""
    rel = test_file.relative_to(REPO_ROOT / "tests")
    return SHARED_SESSION_DIRS.get(rel.parts[0], rel.as_posix()) if len(rel.parts) > 1 else rel.as_posix()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scope scheduler with one scope per xdist_group(): the largest units are handed out first.

    (Not `--dist loadgroup` with xdist_group marks: xdist 3.8 marks groups by editing node ids, which
    pytest 9.2's structured node ids ignore, so the groups were silently split.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class SharedSetupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(REPO_ROOT / nodeid.split("::", 1)[0])

    return SharedSetupScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def aws_env() -> Iterator[None]:
    """Dummy credentials so no test can ever reach a real AWS account."""
    keep = {
        k: os.environ.get(k)
        for k in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
        )
    }
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    yield
    for k, v in keep.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from labctl.local import dynamodb_local as ddb

    server = ddb.start(tmp_path_factory.mktemp("ddb") / "dynamodb-local.log")
    try:
        yield server.endpoint_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from labctl.local.ports import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from labctl.local import procs, services
    from labctl.local.ports import free_port, wait_for_port

    port = free_port()
    log = tmp_path_factory.mktemp("sqs") / "sqs.log"
    proc = procs.spawn(services.sqs_argv(port), log, services.child_env({}), REPO_ROOT)
    try:
        assert wait_for_port(port, 30), log.read_text()
        yield f"http://127.0.0.1:{port}"
    finally:
        procs.stop_all([procs.Target("sqs", proc.pid, procs.create_time(proc.pid), proc)])


async def _create_table(endpoint: str, name: str) -> None:
    from api.adapters.dynamodb.client import open_dynamodb
    from api.adapters.dynamodb.schema import ensure_table

    async with AsyncExitStack() as stack:
        client = await open_dynamodb(stack, region="us-east-1", endpoint_url=endpoint)
        await ensure_table(client, name, REPO_ROOT / "contracts")


@pytest.fixture
def fresh_table(dynamodb_local: str) -> str:
    """Name of a new empty table on DynamoDB Local (tables are cheap: ~50 ms)."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_table(dynamodb_local, name))
    return name
