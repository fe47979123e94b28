"""The API as it runs (uvicorn, uvloop, httptools) faces hostile clients: schemathesis over its whole
contract, the origin's headers, and the limits that only a real server can show (a stalled body, a huge
header, the banner).

On the memory store: the contract is the HTTP layer's (validation, status codes, envelopes, headers),
which is the same over either store, and the run stays bounded (< 60 s) without a JVM to start and warm.
The seat-lock and booking paths on DynamoDB Local have their own suites (tests/integration).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import run_api

HERE = Path(__file__).parent
SCHEMATHESIS_S = 40  # the fuzzing and stateful phases repeat until this is spent
# Lifted for the contract run: schemathesis is one client sending hundreds of holds (the limits have their
# own tests in test_hostile_inputs.py). The body deadline is short so the stalled-body case is quick.
ENV = {
    "STORE": "memory",
    "HOLD_RATE_BURST": "100000",
    "HOLD_RATE_PER_S": "100000",
    "BOOKING_RATE_BURST": "100000",
    "BOOKING_RATE_PER_S": "100000",
    "SEAT_CAP_PER_SHOW": "1000",
    "BODY_TIMEOUT_S": "1",
    "NEW_CLIENTS_PER_IP_BURST": "100000",  # schemathesis keeps no cookie: it would use up the ration
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with run_api(ENV, tmp_path_factory.mktemp("api") / "api.log") as url:
        yield url


def test_schemathesis_finds_no_failure_in_any_check(base: str, tmp_path: Path) -> None:
    argv = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{base}/api/openapi.json", "--checks", "all", "--max-time", str(SCHEMATHESIS_S),
        "--workers", "2", "--request-timeout", "10", "--no-color",
        # the coverage phase stops with an internal error in schemathesis 4.32.5 on some header schemas
        # (_negative_type in its coverage generator): the other three phases run every check
        "--phases", "examples,fuzzing,stateful",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=SCHEMATHESIS_S + 60, cwd=tmp_path)
    out = done.stdout + done.stderr
    summary = out[out.find("SUMMARY") :]
    print(summary)
    assert done.returncode == 0, out[-4000:]
    assert "Selected: 14/14" in summary
    assert "Tested: 14" in summary
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert cases is not None, summary
    assert int(cases.group(1)) >= 200
    assert cases.group(1) == cases.group(2)


def test_the_origin_sends_security_headers_and_no_banner(base: str) -> None:
    api = httpx.get(f"{base}/api/movies")
    assert "server" not in api.headers
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["x-frame-options"] == "DENY"
    assert api.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in api.headers["content-security-policy"]
    assert "strict-transport-security" not in api.headers  # plain HTTP: no HSTS
    tls = httpx.get(f"{base}/api/movies", headers={"X-Forwarded-Proto": "https"})
    assert tls.headers["strict-transport-security"].startswith("max-age=")
    assert "Secure" in tls.headers["set-cookie"]


def test_the_docs_page_loads_everything_from_the_origin(base: str) -> None:
    page = httpx.get(f"{base}/api/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    assert all(s.startswith("/api/docs/") for s in sources), sources
    assert "<script>" not in page.text  # no inline script: the CSP would block it
    for src in sources:
        assert httpx.get(f"{base}{src}").status_code == 200


def test_head_and_a_wrong_method_answer_as_the_contract_says(base: str) -> None:
    head = httpx.head(f"{base}/api/movies")
    assert head.status_code == 200
    assert head.content == b""
    wrong = httpx.put(f"{base}/api/movies")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD"
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def _raw(base: str, request: bytes, *, pause_s: float = 0.0, read_s: float = 5.0) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=read_s) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_a_body_that_stalls_is_408_after_the_deadline(base: str) -> None:
    head = b"POST /api/shows/sh-x/holds HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    answer = _raw(base, head + b'Content-Length: 100\r\n\r\n{"seat', read_s=5)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"code":"request_timeout"' in answer


def test_a_huge_header_is_refused_and_the_server_stays_up(base: str) -> None:
    big = b"GET /api/movies HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n"
    answer = _raw(base, big)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b'"code":"headers_too_large"' in answer
    assert httpx.get(f"{base}/healthz").status_code == 200


def test_the_docs_page_renders_every_operation_under_its_csp(base: str) -> None:
    """Swagger UI in a real browser with the page's CSP: every operation listed, no violation reported."""
    from playwright.sync_api import sync_playwright

    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{base}/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
        finally:
            browser.close()
    assert operations == 14
    assert violations == []
