"""Lab 03, as a scripted learner: the check fails on a fresh lab and passes after the inspections, the
handshake timings and the repaired chain. Everything on 127.0.0.1 (about 15 s on an idle machine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labctl.net.handshake import run as handshake
from labctl.tls.demo import DemoServer
from labctl.tls.inspect import inspect
from labctl.tls.target import parse_target
from tests.support.labs import fresh_home, load_check, not_done, verdict

ENV = {"STORE": "memory"}
SCENARIOS = ("ok", "expired", "expiring", "wrong-host", "missing-intermediate", "self-signed")


def test_lab03_fails_fresh_and_passes_after_the_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = fresh_home(tmp_path, monkeypatch, "03")
    demo_dir = tmp_path / "tls-demo"
    lab = load_check("03-tls")
    ok, checked = verdict(lab, directory=demo_dir)
    assert not ok
    assert {i.ok for i in checked} == {None}
    assert len(checked) == 9

    for scenario in SCENARIOS:  # step 1: each scenario, inspected and saved
        with DemoServer(scenario, demo_dir, port=0, env=ENV) as server:
            assert server.pki is not None
            report = inspect(parse_target(f"localhost:{server.port}"), cafile=server.pki.cafile)
            (work / f"inspect-{scenario}.json").write_text(json.dumps(report.to_json(), default=str))
    with DemoServer("ok", demo_dir, port=0, env=ENV) as server:  # step 2: the round trips at 50 ms
        assert server.pki is not None
        for version in ("1.2", "1.3"):
            timed = handshake(server.url, count=3, tls=version, rtt_ms=50, cafile=str(server.pki.cafile))
            (work / f"handshake-{version}.json").write_text(json.dumps(timed.to_json()))
    # step 4: the wrong repair first (the leaf alone), then the right one (leaf, then intermediate)
    pem = (demo_dir / "missing-intermediate-chain.pem").read_text()
    (demo_dir / "fixed-chain.pem").write_text(pem)
    ok, checked = verdict(lab, directory=demo_dir)
    assert [i.name for i in checked if not i.ok] == ["exercise: fixed-chain.pem repairs missing-intermediate"]

    intermediate = (demo_dir / "intermediate-ca.pem").read_text()
    (demo_dir / "fixed-chain.pem").write_text(pem + intermediate)
    ok, checked = verdict(lab, directory=demo_dir)
    assert ok, not_done(checked)
