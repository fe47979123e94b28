"""The API on AWS Lambda behind an API Gateway HTTP API (the cheap compute mode), via Mangum.

Services (and the DynamoDB client) are built once per execution environment, at cold start, on the
event loop Mangum reuses for every invocation; Mangum's per-invocation lifespan is off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mangum import Mangum

from api.bootstrap import build_services
from api.http.app import create_app
from api.settings import load_settings

_loop = asyncio.new_event_loop()
asyncio.set_event_loop(_loop)
_settings = load_settings()
_services = _loop.run_until_complete(build_services(_settings))

handler: Any = Mangum(create_app(_settings, services=_services), lifespan="off")
