"""The Lambda mode: the same app answers an API Gateway HTTP API (payload 2.0) event through Mangum."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def _event(
    method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": "abc.execute-api.us-east-1.amazonaws.com",
            "content-type": "application/json",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600000000,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class _Context:
    function_name = "api"
    aws_request_id = "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:api"


@pytest.fixture
def lambda_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Import the handler module as Lambda would (cold start), then drop the environment it built."""
    from api.environment import use_environment

    monkeypatch.setenv("STORE", "memory")
    previous = use_environment(None)
    sys.modules.pop("api.http.lambda_handler", None)
    mod = importlib.import_module("api.http.lambda_handler")
    yield mod
    mod._env.close()
    use_environment(previous)
    asyncio.set_event_loop(None)


def test_the_lambda_handler_serves_the_api_with_one_set_of_services(lambda_module: Any) -> None:
    mod = lambda_module
    movies = mod.handler(_event("GET", "/api/movies"), _Context())
    assert movies["statusCode"] == 200
    items = json.loads(movies["body"])["items"]
    assert len(items) >= 6
    shows = json.loads(mod.handler(_event("GET", f"/api/movies/{items[0]['id']}/shows"), _Context())["body"])["items"]
    hold = mod.handler(_event("POST", f"/api/shows/{shows[0]['id']}/holds", {"seat_ids": ["A1"]}), _Context())
    assert hold["statusCode"] == 201
    # the second invocation saw the first one's state: services live for the execution environment
    again = mod.handler(_event("POST", f"/api/shows/{shows[0]['id']}/holds", {"seat_ids": ["A1"]}), _Context())
    assert again["statusCode"] == 409
    assert json.loads(again["body"])["error"]["code"] == "seats_unavailable"
    assert again["headers"]["x-request-id"]
