"""`labctl tls demo` as the learner runs it: a real process serving the booking API over h2, stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from labctl.paths import REPO_ROOT
from tests.integration.tls_fixtures import run_cli

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]


def _start_demo(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    cmd = [sys.executable, "-c", "from labctl.cli import main; main()", "tls", "demo", "--port", "0"]
    cmd += ["--dir", str(tmp_path), "--json", *args]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the JSON banner ends with a lone "}"
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.rstrip() == "}":
            return proc, json.loads("".join(lines))
    proc.kill()
    raise AssertionError(f"no banner: {''.join(lines)} {proc.stderr.read() if proc.stderr else ''}")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_demo_serves_the_booking_api_over_h2_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc, banner = _start_demo(tmp_path)
    try:
        assert banner["scenario"] == "ok"
        assert banner["url"] == f"https://localhost:{banner['port']}/"
        trust_demo_root_only = ssl.create_default_context(cafile=banner["cafile"])
        with httpx.Client(http2=True, verify=trust_demo_root_only) as client:
            response = client.get(f"{banner['url']}api/movies")
        assert response.http_version == "HTTP/2"
        assert response.status_code == 200
        assert len(response.json()["items"]) > 0
        code, _out, _err = run_cli(["tls", "inspect", f"localhost:{banner['port']}", "--cafile", banner["cafile"]])
        assert code == 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
    deadline = time.monotonic() + 5
    while not _gone(banner["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(banner["pid"]), "hypercorn outlived labctl tls demo"


def test_demo_rejects_a_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, _out, err = run_cli(["tls", "demo", "--port", str(port), "--dir", str(tmp_path)])
    assert code == 2
    assert "error port_in_use:" in err


def test_demo_reports_an_app_that_cannot_start(tmp_path: Path) -> None:
    code, _out, err = run_cli(["tls", "demo", "--port", "0", "--dir", str(tmp_path), "--app", "no_such_module:app"])
    assert code == 2
    assert "error demo_failed_to_start:" in err


def test_sigterm_stops_hypercorn_too(tmp_path: Path) -> None:
    from tests.integration.tls_fixtures import APP_SPEC

    proc, banner = _start_demo(tmp_path, "--app", APP_SPEC, "--scenario", "expired")
    assert banner["scenario"] == "expired"
    proc.terminate()
    proc.wait(timeout=15)
    deadline = time.monotonic() + 5
    while not _gone(banner["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(banner["pid"]), "SIGTERM to labctl orphaned hypercorn"


def test_unknown_scenario_lists_every_scenario(tmp_path: Path) -> None:
    code, _out, err = run_cli(["tls", "demo", "--port", "0", "--dir", str(tmp_path), "--scenario", "nope"])
    assert code == 2
    assert "error unknown_scenario:" in err
    for scenario in ("legacy-only", "weak-key", "sha1"):
        assert scenario in err
