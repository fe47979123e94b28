"""Typed loader for the shared data contracts (contracts/table.json, queues.json, deployment.json), read by path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = REPO_ROOT / "contracts"


@dataclass(frozen=True)
class KeyAttr:
    """One key attribute of the table or an index (name + DynamoDB scalar type)."""

    name: str
    type: str


@dataclass(frozen=True)
class IndexContract:
    """A global secondary index."""

    name: str
    partition_key: KeyAttr
    sort_key: KeyAttr | None
    projection: str


@dataclass(frozen=True)
class TableContract:
    """The one DynamoDB table of the booking service."""

    name: str
    billing_mode: str
    partition_key: KeyAttr
    sort_key: KeyAttr | None
    ttl_attribute: str
    global_secondary_indexes: tuple[IndexContract, ...]


@dataclass(frozen=True)
class DlqContract:
    """A dead-letter queue and its redrive threshold."""

    name: str
    max_receive_count: int
    message_retention_seconds: int


@dataclass(frozen=True)
class QueueContract:
    """A work queue, the Lambda handler that consumes it and its DLQ."""

    key: str
    name: str
    handler: str
    handler_timeout_seconds: int
    visibility_timeout_seconds: int
    message_retention_seconds: int
    receive_wait_time_seconds: int
    batch_size: int
    max_batching_window_seconds: int
    dlq: DlqContract


def _key(raw: dict[str, Any] | None) -> KeyAttr | None:
    return None if raw is None else KeyAttr(name=str(raw["name"]), type=str(raw["type"]))


def _required_key(raw: dict[str, Any]) -> KeyAttr:
    key = _key(raw)
    assert key is not None
    return key


def load_table(path: Path | None = None) -> TableContract:
    """Read contracts/table.json."""
    raw: dict[str, Any] = json.loads((path or CONTRACTS_DIR / "table.json").read_text())
    indexes = tuple(
        IndexContract(
            name=str(gsi["name"]),
            partition_key=_required_key(gsi["partition_key"]),
            sort_key=_key(gsi.get("sort_key")),
            projection=str(gsi.get("projection", "ALL")),
        )
        for gsi in raw.get("global_secondary_indexes", [])
    )
    return TableContract(
        name=str(raw["name"]),
        billing_mode=str(raw["billing_mode"]),
        partition_key=_required_key(raw["partition_key"]),
        sort_key=_key(raw.get("sort_key")),
        ttl_attribute=str(raw["ttl_attribute"]),
        global_secondary_indexes=indexes,
    )


def load_queues(path: Path | None = None) -> tuple[QueueContract, ...]:
    """Read contracts/queues.json."""
    raw: dict[str, Any] = json.loads((path or CONTRACTS_DIR / "queues.json").read_text())
    queues = []
    for q in raw["queues"]:
        dlq = q["dlq"]
        queues.append(
            QueueContract(
                key=str(q["key"]),
                name=str(q["name"]),
                handler=str(q["handler"]),
                handler_timeout_seconds=int(q["handler_timeout_seconds"]),
                visibility_timeout_seconds=int(q["visibility_timeout_seconds"]),
                message_retention_seconds=int(q["message_retention_seconds"]),
                receive_wait_time_seconds=int(q["receive_wait_time_seconds"]),
                batch_size=int(q["batch_size"]),
                max_batching_window_seconds=int(q["max_batching_window_seconds"]),
                dlq=DlqContract(
                    name=str(dlq["name"]),
                    max_receive_count=int(dlq["max_receive_count"]),
                    message_retention_seconds=int(dlq["message_retention_seconds"]),
                ),
            )
        )
    return tuple(queues)


@dataclass(frozen=True)
class HealthCheckContract:
    """The load balancer's health check of an API target."""

    path: str
    healthy_http_codes: str
    interval_seconds: int
    timeout_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int


@dataclass(frozen=True)
class DeploymentContract:
    """How an API target enters and leaves service (the graceful shutdown chain)."""

    health_check: HealthCheckContract
    deregistration_delay_seconds: int
    graceful_shutdown_seconds: int
    stop_timeout_seconds: int


def load_deployment(path: Path | None = None) -> DeploymentContract:
    """Read contracts/deployment.json (labctl's front door reads the same file)."""
    raw: dict[str, Any] = json.loads((path or CONTRACTS_DIR / "deployment.json").read_text())
    hc = raw["health_check"]
    return DeploymentContract(
        health_check=HealthCheckContract(
            path=str(hc["path"]),
            healthy_http_codes=str(hc["healthy_http_codes"]),
            interval_seconds=int(hc["interval_seconds"]),
            timeout_seconds=int(hc["timeout_seconds"]),
            healthy_threshold=int(hc["healthy_threshold"]),
            unhealthy_threshold=int(hc["unhealthy_threshold"]),
        ),
        deregistration_delay_seconds=int(raw["deregistration_delay_seconds"]),
        graceful_shutdown_seconds=int(raw["graceful_shutdown_seconds"]),
        stop_timeout_seconds=int(raw["stop_timeout_seconds"]),
    )
