"""The API on AWS Lambda behind an API Gateway HTTP API (the cheap compute mode), via Mangum."""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from api.http.app import create_app

# Built at cold start, reused across invocations (lifespan runs once per execution environment).
handler: Any = Mangum(create_app(), lifespan="auto")
