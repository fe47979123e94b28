"""Lab 11, as a scripted learner: the check fails on a fresh lab and passes after the captures and answers.

The capture opens a packet socket on `lo`: it needs root, as the README says (CI runs as root).
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest

from labctl.net.capture import capture
from labctl.net.service import compare_http
from labctl.tls.demo import DemoServer
from tests.support.labs import fresh_home, load_check, not_done, verdict

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a packet capture needs root (CI runs as root)")


def _captured(out: Path, port: int, fetch: httpx.Client, url: str) -> None:
    """Capture `port` for 2 s while one request is made, as the README's `capture ... & curl` does."""
    worker = threading.Thread(target=capture, args=(port, 2.0, out))
    worker.start()
    time.sleep(0.5)
    assert fetch.get(url).status_code == 200
    worker.join()


def test_lab11_fails_fresh_and_passes_after_the_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = fresh_home(tmp_path, monkeypatch, "11")
    lab = load_check("11-networking")
    ok, checked = verdict(lab)
    assert not ok
    assert {i.ok for i in checked} == {None}

    with DemoServer("ok", tmp_path / "demo", port=0, http_port=0, env={"STORE": "memory"}) as server:
        assert server.pki is not None
        assert server.http_url is not None
        ca = server.pki.cafile
        with httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=20) as client:
            _captured(work / "http.pcap", server.http_port, client, f"{server.http_url}healthz")
            _captured(work / "https.pcap", server.port, client, f"{server.url}healthz")
        comparison = compare_http(f"{server.url}healthz", assets=12, rtt=None, cafile=ca)
    (work / "compare.json").write_text(json.dumps(comparison.to_json()))
    ok, checked = verdict(lab)
    assert not ok
    assert not_done(checked) == [f"answers written: not done yet: write {work / 'answers.json'} (README, questions)"]

    answers = {
        "http_request_line": "GET /healthz HTTP/1.1",
        "https_server_port": server.port,
        "first_client_tls_record": "handshake",
        "h1_connections": next(r.connections for r in comparison.runs if r.protocol == "HTTP/1.1"),
        "h2_connections": 1,
    }
    (work / "answers.json").write_text(json.dumps({**answers, "http_request_line": "GET / HTTP/1.1"}))
    assert not_done(verdict(lab)[1]) == [
        "answer: http_request_line: you: 'GET / HTTP/1.1', not what the system says: look again"
    ]
    (work / "answers.json").write_text(json.dumps(answers))
    ok, checked = verdict(lab)
    assert ok, not_done(checked)


def test_a_capture_of_https_traffic_is_not_taken_for_plain_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "11")
    with DemoServer("ok", tmp_path / "demo", port=0, env={"STORE": "memory"}) as server:
        assert server.pki is not None
        with httpx.Client(verify=ssl.create_default_context(cafile=server.pki.cafile), timeout=20) as client:
            _captured(work / "http.pcap", server.port, client, f"{server.url}healthz")
    lab = load_check("11-networking")
    [conn] = [c for c in lab.report(work / "http.pcap").conns if c.three_way]
    assert lab.check_http([conn]).ok is False
    assert lab.check_https([conn]).ok is True
