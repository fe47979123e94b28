"""The OpenAPI document as strict as the server: what FastAPI cannot say from the signatures alone.

- GET /api/holds/{hold_id} takes its token optionally (the status is public, the booking id is not).
- `Idempotency-Key` is required on POST /api/bookings: the route takes it as optional only so that a
  missing key is the domain's `400 idempotency_key_missing`, not a generic validation error.
- The refusals that come from the edge of the app (api/http/limits.py) are documented on every
  operation they can reach: 400 (a control character in a header), 431 (headers too large), and on
  operations with a body 408 (a body that stalls) and 413 (a body too large).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ENVELOPE = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
EDGE_REFUSALS = {
    "400": "Bad request (e.g. a control character in a header)",
    "431": "Request headers too large",
}
BODY_REFUSALS = {"408": "The request body did not arrive in time", "413": "Request body too large"}
# Anyone may read a hold's status; its token adds the booking id (an empty requirement: auth optional).
OPTIONAL_AUTH = {("/api/holds/{hold_id}", "get")}


def _document(operation: dict[str, Any], refusals: dict[str, str]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in refusals.items():
        responses.setdefault(status, {"description": description, "content": ENVELOPE})


def strict(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Wrap app.openapi so the document it serves is the strict one (built once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                _document(operation, EDGE_REFUSALS)
                if (path, method) in OPTIONAL_AUTH:
                    operation["security"] = [*operation.get("security", []), {}]
                if "requestBody" in operation:
                    _document(operation, BODY_REFUSALS)
                for param in operation.get("parameters", []):
                    if param.get("in") == "header" and param.get("name") == "Idempotency-Key":
                        param["required"] = True
                        param["schema"] = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"}
        app.openapi_schema = schema
        return schema

    return openapi
