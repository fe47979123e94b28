"""The API's own log lines of given requests, found by request id in its JSON log file.

Every load request carries an X-Request-Id that the API keeps, and the API's access log line (one per
request, `"message":"request"`) carries it as `request_id`, with the status, the error code and, for a
refusal, what the API based it on (`error_details`, `evidence`). The checker joins the two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ACCESS_MESSAGE = "request"


def lines_for(path: Path | None, request_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """request id -> the API's access log line of that request (ids without a line are left out)."""
    wanted = {rid for rid in request_ids if rid}
    if path is None or not wanted or not path.exists():
        return {}
    found: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8", errors="replace") as log:
        for raw in log:
            # Only lines of wanted ids are parsed: the file holds one line per request of every run.
            if _request_id(raw) not in wanted:
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict) and line.get("message") == ACCESS_MESSAGE:
                found[str(line["request_id"])] = line
    return found


def _request_id(raw: str) -> str | None:
    start = raw.find(_KEY)
    if start < 0:
        return None
    start += len(_KEY)
    return raw[start : raw.find('"', start)]


_KEY = '"request_id":"'  # the API logs compact JSON (orjson): no space after the colon
