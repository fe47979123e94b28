"""labctl doctor: each miss is named with its fix; only required misses fail the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.local import doctor
from labctl.local.doctor import Probes, exit_code, major_version, run_checks

JAR = Path("/x/DynamoDBLocal.jar")
VERSIONS = {"java": 'openjdk version "17.0.9" 2023-10-17', "node": "v20.11.1"}


def healthy(**overrides: object) -> Probes:
    probes = Probes(
        which=lambda tool: f"/usr/bin/{tool}",
        version_of=lambda argv: VERSIONS[Path(argv[0]).name],
        python=(3, 11, 7),
        port_holder=lambda port: None,
        jar=lambda: JAR,
        cdk=Path(__file__),
        module_available=lambda name: True,
        credentials=lambda: "env",
        alert_email=lambda: "me@example.com",
    )
    for key, value in overrides.items():
        setattr(probes, key, value)
    return probes


def by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def test_a_ready_machine_passes_every_check() -> None:
    checks = run_checks(probes=healthy())
    assert all(c.ok for c in checks)
    assert exit_code(checks) == 0
    assert "aws credentials" not in by_name(checks)  # only asked for with --cloud


def test_missing_java_fails_with_how_to_install_it() -> None:
    checks = by_name(run_checks(probes=healthy(which=lambda t: None if t == "java" else f"/usr/bin/{t}")))
    java = checks["java"]
    assert (java.ok, java.required) == (False, True)
    assert "apt-get install default-jre-headless" in java.fix
    assert exit_code(list(checks.values())) == 1


def test_old_java_and_old_python_are_named_with_their_versions() -> None:
    versions = {**VERSIONS, "java": 'java version "1.8.0_392"'}
    checks = by_name(run_checks(probes=healthy(version_of=lambda a: versions[Path(a[0]).name], python=(3, 10, 2))))
    assert not checks["java"].ok
    assert "java 8" in checks["java"].detail
    assert not checks["python"].ok
    assert "3.10.2" in checks["python"].detail


def test_a_taken_port_names_its_holder_and_another_port() -> None:
    checks = by_name(run_checks(port=8080, probes=healthy(port_holder=lambda p: "pid 42 (nginx)")))
    port = checks["port 8080"]
    assert not port.ok
    assert port.detail == "in use by pid 42 (nginx)"
    assert "--port 8081" in port.fix


def test_node_cdk_and_chromium_only_warn_for_the_local_lab_but_node_is_required_for_cloud() -> None:
    gone = ("node", *doctor.CHROMIUM_PATHS)
    absent = healthy(which=lambda t: None if t in gone else f"/usr/bin/{t}")
    local = run_checks(probes=absent)
    assert {c.name for c in local if not c.ok} == {"node", "chromium"}
    assert exit_code(local) == 0
    cloud = run_checks(cloud=True, probes=absent)
    assert by_name(cloud)["node"].required
    assert exit_code(cloud) == 1


def test_cloud_mode_needs_credentials() -> None:
    checks = by_name(run_checks(cloud=True, probes=healthy(credentials=lambda: None)))
    assert not checks["aws credentials"].ok
    assert "aws configure" in checks["aws credentials"].fix


def test_cloud_mode_checks_where_the_labs_alerts_go() -> None:
    ready = by_name(run_checks(cloud=True, probes=healthy()))["alert address"]
    assert (ready.ok, ready.detail) == (True, "me@example.com (confirm the SNS subscription e-mail after `labctl up`)")
    unset = run_checks(cloud=True, probes=healthy(alert_email=lambda: None))
    missing = by_name(unset)["alert address"]
    assert (missing.ok, missing.required) == (False, False)  # `labctl up --alert-email` may still give one
    assert "--no-alerts" in missing.fix
    assert exit_code(unset) == 0
    bad = run_checks(cloud=True, probes=healthy(alert_email=lambda: "me-at-example"))
    assert not by_name(bad)["alert address"].ok
    assert exit_code(bad) == 1
    assert "alert address" not in by_name(run_checks(probes=healthy()))  # only asked for with --cloud


@pytest.mark.parametrize(
    ("text", "major"),
    [("v20.11.1", 20), ('openjdk version "17.0.9" 2023-10-17', 17), ('java version "1.8.0_392"', 8), ("", None)],
)
def test_major_versions_are_read_from_tool_output(text: str, major: int | None) -> None:
    assert major_version(text) == major


def test_the_command_prints_json_and_exits_1_when_something_required_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from labctl.cli import app

    broken = healthy(jar=lambda: None)
    monkeypatch.setattr(doctor, "Probes", lambda: broken)
    result = CliRunner().invoke(app, ["doctor", "--json", "--port", "9999"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["ok"] is False
    missing = [c for c in out["checks"] if not c["ok"]]
    assert [c["name"] for c in missing] == ["dynamodb local"]
    assert missing[0]["fix"] == "Run `make setup`."
    assert any(c["name"] == "port 9999" for c in out["checks"])
