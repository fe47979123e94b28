"""A local lab's recorded state for tests; by default its supervisor is this test process, so it counts as running."""

from __future__ import annotations

import os
from typing import Any

from labctl.local import procs
from labctl.local.state import LabState

ENDPOINTS = {"dynamodb": "http://127.0.0.1:8000", "sqs": "http://127.0.0.1:5000", "moto": "http://127.0.0.1:5000"}
QUEUES = {"hold_expiry": "http://q/hold-expiry", "booking_events": "http://q/booking-events"}


def lab_state(**overrides: Any) -> LabState:
    """A ready lab on port 8080 (override any field: status, endpoints, supervisor_pid, ...)."""
    fields: dict[str, Any] = {
        "launch_id": "l1",
        "status": "ready",
        "supervisor_pid": os.getpid(),
        "supervisor_create_time": procs.create_time(os.getpid()),
        "detached": True,
        "port": 8080,
        "api_url": "http://127.0.0.1:8080",
        "region": "us-east-1",
        "table_name": "labctl-local-bookings",
        "hold_ttl_seconds": 300,
        "ttl_seconds": 1800,
        "started_at": 1_000_000.0,
        "stop_by": 1_001_800.0,
        "endpoints": dict(ENDPOINTS),
        "queues": dict(QUEUES),
    }
    return LabState(**{**fields, **overrides})
