"""Run the real API (uvicorn, uvloop/httptools) as a subprocess for integration and e2e tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from labctl.local import services
from labctl.local.ports import free_port, wait_for_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def seed_table(endpoint: str, table: str, days: int = 2) -> None:
    """Create the table (if needed) and load the demo catalog through the real seed entry point."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "api.seed",
            "--endpoint-url",
            endpoint,
            "--table",
            table,
            "--days",
            str(days),
            "--create-table",
        ],
        check=True,
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=120,
    )


@contextmanager
def run_api(env: dict[str, str], log_path: Path, *, workers: int = 1) -> Iterator[str]:
    """Start uvicorn with `env` on a free port; yield the base URL; stop it on exit."""
    port = free_port()
    full_env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            services.api_argv(port, workers=workers),
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        if not wait_for_port(port, 30):
            raise RuntimeError(f"API did not start: {log_path.read_text()[-2000:]}")
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/readyz", timeout=10).raise_for_status()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
