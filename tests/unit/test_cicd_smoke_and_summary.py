"""The deploy's smoke test names the step that failed; the job summary says what happened and what stays up."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from labctl.cicd import smoke, summary
from labctl.cli import app

LATER = (datetime.now(UTC) + timedelta(days=1)).isoformat()
MOVIE = {"id": "m1", "title": "Heat"}
SHOW = {"id": "s1", "movie_id": "m1", "starts_at": LATER, "seats_available": 2}
SEATS = {"seats": [{"id": "A1", "status": "booked"}, {"id": "A2", "status": "available"}]}
BOOKING = {"booking_id": "b1", "reference": "MRQ-7", "seat_ids": ["A2"], "booking_token": "bt1"}


def _with_token(token: str, answer: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """The API's capability check: the right bearer token, or 401."""
    return lambda r: answer if r.headers.get("authorization") == f"Bearer {token}" else httpx.Response(401)


def _api(overrides: dict[str, Callable[[httpx.Request], httpx.Response]] | None = None) -> httpx.Client:
    """A fake front door: the happy path unless a path (METHOD /path) is overridden."""
    routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {
        "GET /api/movies": lambda r: httpx.Response(200, json={"items": [MOVIE]}),
        "GET /api/movies/m1/shows": lambda r: httpx.Response(200, json={"items": [SHOW]}),
        "GET /api/shows/s1/seats": lambda r: httpx.Response(200, json=SEATS),
        "POST /api/shows/s1/holds": lambda r: httpx.Response(
            201, json={"hold_id": "h1", "hold_token": "ht1", **json.loads(r.content)}
        ),
        "POST /api/bookings": _with_token("ht1", httpx.Response(201, json=BOOKING)),
        "GET /api/bookings/b1": _with_token("bt1", httpx.Response(200, json=BOOKING)),
        **(overrides or {}),
    }
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return routes[f"{request.method} {request.url.path}"](request)

    client = httpx.Client(transport=httpx.MockTransport(handle))
    client.seen = seen  # type: ignore[attr-defined]
    return client


def test_a_healthy_lab_books_the_free_seat_and_reads_it_back() -> None:
    client = _api()
    result = smoke.run("https://d1.example.net/", client=client, rng=random.Random(1))
    assert result.ok
    assert result.exit_code == 0
    assert (result.seat, result.reference, result.failed_step) == ("A2", "MRQ-7", None)
    assert [s.name for s in result.steps] == [
        "catalog_ready",
        "find_show",
        "pick_seat",
        "hold_seat",
        "book",
        "read_back",
    ]
    booking = next(r for r in client.seen if r.url.path == "/api/bookings")  # type: ignore[attr-defined]
    assert booking.headers["Idempotency-Key"]
    assert json.loads(booking.content)["payment"] == {"token": "tok_visa"}


def test_a_front_door_that_answers_503_for_a_while_is_waited_for() -> None:
    answers = iter([503, 503, 200])
    slept: list[float] = []

    def movies(_: httpx.Request) -> httpx.Response:
        code = next(answers)
        return httpx.Response(code, json={"items": [MOVIE]} if code == 200 else {})

    result = smoke.run("https://x", client=_api({"GET /api/movies": movies}), sleep=slept.append)
    assert result.ok
    assert slept == [2.0, 3.0]  # backs off


def test_an_empty_catalog_fails_at_catalog_ready_within_the_wait() -> None:
    slept: list[float] = []
    empty = {"GET /api/movies": lambda r: httpx.Response(200, json={"items": []})}
    result = smoke.run("https://x", client=_api(empty), wait_s=0, sleep=slept.append)
    assert (result.ok, result.failed_step, result.exit_code) == (False, "catalog_ready", 1)
    assert "catalog is empty" in result.steps[-1].detail
    assert slept == []


def test_a_refused_hold_names_the_step_its_status_and_the_api_error_code() -> None:
    taken = {"POST /api/shows/s1/holds": lambda r: httpx.Response(409, json={"error": {"code": "seats_unavailable"}})}
    result = smoke.run("https://x", client=_api(taken))
    assert result.failed_step == "hold_seat"
    assert (result.steps[-1].status, result.steps[-1].detail) == (409, "answered 409 seats_unavailable")


def test_a_show_with_no_free_seat_or_in_the_past_is_skipped() -> None:
    past = {**SHOW, "starts_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    full = {**SHOW, "seats_available": 0}
    shows = {"GET /api/movies/m1/shows": lambda r: httpx.Response(200, json={"items": [past, full]})}
    assert smoke.run("https://x", client=_api(shows)).failed_step == "find_show"


UP = {
    "lab": "demo",
    "compute": "fargate",
    "region": "eu-west-1",
    "expires_at": "2026-03-01T14:00:00Z",
    "demo_url": "https://d1.example.net",
    "estimate": {"per_hour_usd": 0.1234, "total_usd": 0.2468, "ttl_hours": 2.0, "requests": 10000},
}
STATUS = {"stacks": [{"name": "demo-compute", "status": "UPDATE_COMPLETE"}], "expires_at": "2026-03-01T14:00:00Z"}
SMOKE_OK = {"ok": True, "seat": "C7", "reference": "MRQ-1", "steps": [{"name": "book", "ok": True, "ms": 1500.0}]}
SMOKE_FAILED = {
    "ok": False,
    "failed_step": "book",
    "steps": [{"name": "book", "ok": False, "ms": 9.0, "status": 502, "detail": "answered 502"}],
}


def test_a_good_deploy_summary_has_url_expiry_cost_blue_green_and_the_booking() -> None:
    outcome = summary.render(UP, SMOKE_OK, STATUS, image="123.dkr.ecr/demo-api:abc")
    assert outcome.ok
    for text in ("✅", "https://d1.example.net", "2026-03-01T14:00:00Z", "$0.12/h, $0.25 for 2.0 h", "promoted"):
        assert text in outcome.markdown
    assert "seat C7 (reference MRQ-1) in 1.5 s" in outcome.markdown
    assert "timer is armed" not in outcome.markdown


def test_a_failed_smoke_test_says_where_and_that_the_lab_stays_up_until_its_expiry() -> None:
    outcome = summary.render(UP, SMOKE_FAILED, STATUS)
    assert not outcome.ok
    assert "failed at `book` (HTTP 502): answered 502" in outcome.markdown
    assert "stays up until 2026-03-01T14:00:00Z: the self-destruct timer is armed" in outcome.markdown


def test_an_ecs_rollback_and_a_failed_deploy_are_reported_as_such() -> None:
    rolled = {"stacks": [{"name": "demo-compute", "status": "UPDATE_ROLLBACK_COMPLETE"}]}
    failed_up = {"error": {"code": "deploy_failed", "message": "cdk deploy exited 1"}}
    outcome = summary.render(failed_up, None, rolled)
    assert "rolled back: ECS returned traffic to the previous revision" in outcome.markdown
    assert "failed: `deploy_failed` cdk deploy exited 1" in outcome.markdown
    assert "Smoke test | did not run" in outcome.markdown


def test_lambda_mode_has_no_blue_green() -> None:
    assert summary.blue_green({"compute": "lambda"}, STATUS).startswith("not applicable")


def test_the_summary_command_treats_missing_or_broken_files_as_steps_that_did_not_run(tmp_path: Path) -> None:
    (tmp_path / "up.json").write_text(json.dumps(UP))
    (tmp_path / "smoke.json").write_text("{not json")
    args = ["cicd", "summary", "--up", str(tmp_path / "up.json"), "--smoke", str(tmp_path / "smoke.json")]
    result = CliRunner().invoke(app, [*args, "--status", str(tmp_path / "missing.json")])
    assert result.exit_code == 0
    assert "Smoke test | did not run" in result.stdout
    assert "compute stack was not found" in result.stdout
    as_json: dict[str, Any] = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert as_json["ok"] is False


def test_the_smoke_command_rejects_a_url_that_is_not_http() -> None:
    result = CliRunner().invoke(app, ["cicd", "smoke", "--url", "d1.example.net", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "invalid_url"
