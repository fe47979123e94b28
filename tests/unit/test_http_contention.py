"""Contention over HTTP: 503 seat_lock_contended with Retry-After, and a log line that says why."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.domain.errors import SeatLockContended, SeatsUnavailable
from api.domain.model import Hold
from api.http.app import create_app
from api.http.logging_json import JsonFormatter
from tests.support.builders import make_world


def _client(error: Exception) -> tuple[TestClient, str]:
    world = asyncio.run(make_world())

    async def create_hold(hold: Hold, now: datetime) -> None:
        raise error

    world.store.create_hold = create_hold  # type: ignore[method-assign]
    return TestClient(create_app(world.services.settings, services=world.services, observers=[])), world.show_id


class Lines(logging.Handler):
    """The access log lines as the JSON formatter writes them (the app replaces the root handlers)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(JsonFormatter().format(record)))

    def of(self, request_id: str) -> dict[str, Any]:
        [line] = [x for x in self.lines if x.get("message") == "request" and x.get("request_id") == request_id]
        return line


@pytest.fixture
def access_log() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("api.access")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_contention_is_a_503_with_retry_after_and_the_envelope(access_log: Lines) -> None:
    evidence = {"basis": "conflicts_outlasted_retries", "attempts": 10, "seats": {"A1": "available"}}
    client, show = _client(SeatLockContended(["A1"], attempts=10, evidence=evidence))
    r = client.post(f"/api/shows/{show}/holds", json={"seat_ids": ["A1"]}, headers={"X-Request-Id": "req-12345678"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.headers["x-error-code"] == "seat_lock_contended"
    err = r.json()["error"]
    assert err["code"] == "seat_lock_contended"
    assert err["details"] == {"seat_ids": ["A1"], "attempts": 10}
    assert err["request_id"] == "req-12345678"
    assert "evidence" not in err  # what the answer rests on is for the log, not for other buyers
    line = access_log.of("req-12345678")
    assert line["evidence"] == evidence
    assert (line["status"], line["error_code"]) == (503, "seat_lock_contended")


def test_a_refusal_logs_what_dynamodb_said_about_each_seat(access_log: Lines) -> None:
    evidence = {"basis": "condition", "attempts": 1, "seats": {"A1": "booked by bkg_9"}}
    client, show = _client(SeatsUnavailable(["A1"], evidence=evidence))
    r = client.post(f"/api/shows/{show}/holds", json={"seat_ids": ["A1"]}, headers={"X-Request-Id": "req-87654321"})
    assert r.status_code == 409
    assert "retry-after" not in r.headers
    line = access_log.of("req-87654321")
    assert line["error_details"] == {"seat_ids": ["A1"]}
    assert line["evidence"] == evidence
