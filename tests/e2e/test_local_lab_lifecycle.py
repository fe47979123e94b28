"""A foreground lab's whole life (`up --json`, a 5 s hold expiring through SQS, Ctrl-C), and a refused port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any

import httpx
import psutil
import pytest

from labctl.local.ports import free_port
from tests.e2e.conftest import LABCTL, REPO_ROOT, Lab, leftovers

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


def _seat_status(api: httpx.Client, show_id: str, seat: str) -> str:
    seats = api.get(f"/api/shows/{show_id}/seats").json()["seats"]
    return str(next(s["status"] for s in seats if s["id"] == seat))


def _first_json_document(stream: IO[str]) -> dict[str, Any]:
    """Read stream line by line until one whole JSON document has arrived (the ready report)."""
    text = ""
    for line in stream:
        text += line
        try:
            doc, _ = json.JSONDecoder().raw_decode(text.strip())
        except json.JSONDecodeError:
            continue
        return dict(doc)
    raise AssertionError(f"labctl up ended before reporting ready: {text!r}")


def test_a_foreground_lab_expires_a_five_second_hold_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    lab = Lab(home=tmp_path / "home", port=free_port(), hold_ttl=5)
    argv = [LABCTL, "up", "--local", "--port", str(lab.port), "--hold-ttl", "5", "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=lab.env(), cwd=REPO_ROOT)
    try:
        assert proc.stdout is not None
        up = _first_json_document(proc.stdout)
        assert up["status"] == "ready"
        assert up["healthy"] is True
        assert up["ui_url"] == f"{lab.url}/"
        assert up["docs_url"] == f"{lab.url}/api/docs"
        assert up["hold_ttl_seconds"] == 5
        assert up["ttl_seconds"] == 1800
        assert up["detached"] is False
        assert {"api", "dynamodb", "sqs", "moto", "worker"} <= set(up["services"])
        st = lab.state()
        lab.pids = [st["supervisor_pid"], *(s["pid"] for s in st["services"].values())]
        lab.ports = [s["port"] for s in st["services"].values() if s["port"]]
        assert st["supervisor_pid"] == proc.pid

        api = httpx.Client(base_url=lab.url, timeout=10)
        movie = api.get("/api/movies").json()["items"][0]["id"]
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        show = api.get(f"/api/movies/{movie}/shows", params={"date": tomorrow}).json()["items"][0]["id"]
        hold = api.post(f"/api/shows/{show}/holds", json={"seat_ids": ["J12"]})
        assert hold.status_code == 201, hold.text
        assert hold.json()["ttl_seconds"] == 5
        assert _seat_status(api, show, "J12") == "held"
        # the hold-expiry message becomes visible after 5 s; the worker releases the seat
        deadline = time.monotonic() + 20
        while _seat_status(api, show, "J12") != "available" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _seat_status(api, show, "J12") == "available"
        assert api.get(f"/api/holds/{hold.json()['hold_id']}").json()["status"] == "expired"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        out, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0
    stopped = json.loads(out)
    assert stopped["reason"] == "ctrl-c"
    assert stopped["survivors"] == []
    assert stopped["ports_open"] == []
    assert leftovers(lab) == ([], [])
    assert not (lab.home / "local" / "state.json").exists()
    again = lab.run("down", "--local")
    assert again.returncode == 0
    assert "No local lab is running" in again.stdout


def test_a_taken_port_is_refused_naming_its_process(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        lab = Lab(home=tmp_path / "home", port=port, hold_ttl=300)
        done = lab.run("up", "--local", "--detach", "--port", str(port), "--json")
    assert done.returncode == 2
    err = json.loads(done.stdout)["error"]
    assert err["code"] == "port_in_use"
    assert f"pid {os.getpid()}" in err["message"]
    assert f"({psutil.Process().name()})" in err["message"]
    assert not (lab.home / "local" / "state.json").exists()
