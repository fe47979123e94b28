"""The test traffic a rollout sends green before the shift: every catalog read once, bounded, never judged."""

from __future__ import annotations

import httpx
import pytest

from labctl.local.deploy import warm

MOVIES = {"items": [{"id": "m1"}, {"id": "m2"}]}
SHOWS = {"items": [{"id": "s1"}, {"id": "s2"}]}


def _green(seen: list[str], status: int = 200) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        if path == "/api/movies":
            return httpx.Response(200, json=MOVIES)
        if path.endswith("/shows"):
            return httpx.Response(200, json=SHOWS)
        return httpx.Response(status, json={})

    return httpx.MockTransport(answer)


def test_green_answers_each_catalog_read_once_before_customers_do() -> None:
    seen: list[str] = []
    assert warm.send_test_traffic("http://green", _green(seen)) == 5
    assert seen == [
        "/api/movies",
        "/api/movies/m1/shows",
        "/api/movies/m2/shows",
        "/api/shows/s1",
        "/api/shows/s1/seats",
    ]


def test_errors_are_left_to_the_bake_and_a_dead_green_ends_the_pass_at_once() -> None:
    seen: list[str] = []
    assert warm.send_test_traffic("http://green", _green(seen, status=503)) == 5  # answered, not judged

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert warm.send_test_traffic("http://green", httpx.MockTransport(refuse)) == 0


def test_the_pass_stops_at_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm, "BUDGET_S", -1.0)  # already over: only the two reads that list the paths
    seen: list[str] = []
    assert warm.send_test_traffic("http://green", _green(seen)) == 2
    assert seen == ["/api/movies", "/api/movies/m1/shows"]
