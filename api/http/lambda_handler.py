"""The API on AWS Lambda behind an API Gateway HTTP API (the cheap compute mode), via Mangum.

Services (and the DynamoDB client) are built once per execution environment, at cold start, by the
composition root, on the event loop Mangum then reuses for every invocation; Mangum's per-invocation
lifespan is off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mangum import Mangum

from api.environment import environment
from api.http.app import create_app

_env = environment()
asyncio.set_event_loop(_env.loop)

handler: Any = Mangum(create_app(_env.services.settings, services=_env.services), lifespan="off")
