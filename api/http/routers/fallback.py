"""The last /api route: 405 with `Allow` for a known path, 404 for an unknown one, both as the envelope.

Without it the web UI's static mount at "/" would answer every unmatched /api request (a 404 for a
wrong method on a real path, and no `Allow`). The allowed methods come from the OpenAPI document, the
contract the server keeps.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
_PARAM = re.compile(r"\{[^}/]+\}")


def allowed_methods(app: FastAPI) -> list[tuple[re.Pattern[str], str]]:
    """(path regex, "GET, HEAD, ...") for every operation path of the OpenAPI document."""
    out = []
    for template, operations in app.openapi()["paths"].items():
        methods = {m.upper() for m in operations}
        if "GET" in methods:
            methods.add("HEAD")
        pattern = re.compile(
            "^" + _PARAM.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        )
        out.append((pattern, ", ".join(sorted(methods))))
    return out


def install(app: FastAPI) -> None:
    """Add the catch-all after every /api route (routes match in order)."""
    table: list[tuple[re.Pattern[str], str]] = []

    async def unmatched(request: Request) -> None:
        if not table:
            table.extend(allowed_methods(app))
        for pattern, allow in table:
            if pattern.match(request.url.path):
                raise HTTPException(405, f"{request.method[:16]} is not allowed here.", {"Allow": allow})
        raise HTTPException(404)

    app.add_api_route("/api/{rest:path}", unmatched, methods=METHODS, include_in_schema=False)
