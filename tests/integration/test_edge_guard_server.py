"""The edge guard on the real server (uvicorn + httptools), which percent-decodes the path before routing."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.api_server import run_api

SECRET = "k3Yq8Wm2Rz5Tp9Lx4Vb7Nc1Hd6Gf0Sa"
pytestmark = pytest.mark.slow


def _send(
    base: str, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, object]]:
    """One request with the path sent byte for byte (no client-side normalisation)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def test_the_server_refuses_encoded_hold_paths_and_calls_around_cloudfront(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    with run_api({"STORE": "memory", "ORIGIN_VERIFY_SECRET": SECRET, "LOG_LEVEL": "INFO"}, log) as base:
        cf = {"X-Origin-Verify": SECRET}
        _, movies = _send(base, "GET", "/api/movies", cf)
        movie = movies["items"][0]["id"]  # type: ignore[index]
        _, shows = _send(base, "GET", f"/api/movies/{movie}/shows", cf)
        show = shows["items"][0]["id"]  # type: ignore[index]
        body = b'{"seat_ids": ["A1"]}'

        direct, err = _send(base, "POST", f"/api/shows/{show}/holds", {}, body)
        assert (direct, err["error"]["code"]) == (403, "origin_not_verified")  # type: ignore[index]
        for path in (f"/api/shows/{show}/hold%73", f"/api/shows/{show}/%68olds"):
            status, err = _send(base, "POST", path, cf, body)
            assert (status, err["error"]["code"]) == (400, "non_canonical_path"), path  # type: ignore[index]
        created, hold = _send(base, "POST", f"/api/shows/{show}/holds", cf, body)
        assert created == 201, hold
        probe, _ = _send(base, "GET", "/readyz", {})
        assert probe == 200
    logged = log.read_text()
    assert '"status": 403' in logged or '"status":403' in logged  # refusals are logged ...
    assert SECRET not in logged  # ... without the secret
