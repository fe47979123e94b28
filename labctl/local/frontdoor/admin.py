"""The front door's admin API (its own loopback port): what the ALB's console and elbv2 API do for the lab.

    GET    /state[?since=<epoch s>]   groups, targets, health, totals, a metrics window since `since`, events
    PUT    /targets/<colour>          {"url": "http://127.0.0.1:PORT"}: register (health checks start at once)
    DELETE /targets/<colour>          deregister: no new requests, leaves when idle or after the delay
    PUT    /weights                   {"blue": 90, "green": 10}: applied to the next request
    POST   /promote                   green becomes blue (blue must have left)

Errors use the API's envelope with a stable code (`target_registered`, `invalid_weight`, ...).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import orjson

from labctl.local.frontdoor.groups import GroupError, Target, TargetGroups
from labctl.local.frontdoor.wire import Request, error_body, response


class Admin:
    """Handler of the admin port."""

    def __init__(
        self, groups: TargetGroups, on_register: Callable[[Target], None], on_left: Callable[[Target], None]
    ) -> None:
        self.groups = groups
        self._on_register = on_register
        self._on_left = on_left

    async def handle(self, req: Request, client: asyncio.Transport) -> bool:
        parts = urlsplit(req.url.decode("latin-1"))
        try:
            status, doc = self.route(req.method.decode(), parts.path.rstrip("/"), parts.query, req.body)
        except GroupError as err:
            status, doc = 409, error_body(err.code, str(err))
        except (ValueError, TypeError, KeyError) as err:
            status, doc = 400, error_body("bad_request", f"{type(err).__name__}: {err}")
        client.write(response(status, doc))
        return True

    def route(self, method: str, path: str, query: str, body: bytes) -> tuple[int, object]:
        groups = self.groups
        if (method, path) == ("GET", "/state"):
            since = parse_qs(query).get("since")
            return 200, groups.snapshot(float(since[0]) if since else None)
        if (method, path) == ("PUT", "/weights"):
            weights = orjson.loads(body)
            if not isinstance(weights, dict):
                raise ValueError('weights must be an object like {"blue": 90, "green": 10}')
            return 200, {"weights": groups.set_weights(weights), "serving": groups.serving()}
        if (method, path) == ("POST", "/promote"):
            groups.promote()
            return 200, {"serving": groups.serving()}
        if path.startswith("/targets/"):
            colour = path.removeprefix("/targets/")
            if method == "PUT":
                url = urlsplit(str(orjson.loads(body)["url"]))
                if url.scheme != "http" or url.hostname is None or url.port is None:
                    raise ValueError("url must look like http://127.0.0.1:PORT")
                target = groups.register(colour, url.hostname, url.port)
                self._on_register(target)
                return 200, target.to_json()
            if method == "DELETE":
                target = groups.deregister(colour)
                if groups.group(colour).target is not target:
                    self._on_left(target)
                return 202, target.to_json()
        return 404, error_body("not_found", f"No admin route {method} {path}.")
