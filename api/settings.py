"""Every knob of the booking service is an environment variable with a default (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEV_SIGNING_KEY = "local-dev-signing-key-not-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    service_name: str = "booking-api"
    store: Literal["dynamodb", "memory"] = "dynamodb"
    table_name: str = "labctl-local-bookings"
    dynamodb_endpoint_url: str | None = None
    # aiodynamo: ~3.5x less CPU per call on the request path (ADR 0013); botocore: aiobotocore, for comparison
    dynamodb_client: Literal["aiodynamo", "botocore"] = "aiodynamo"
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    hold_ttl_seconds: int = Field(default=300, ge=5, le=900)
    hold_expiry_queue_url: str | None = None
    booking_events_queue_url: str | None = None
    sqs_endpoint_url: str | None = None
    payment_slow_delay_ms: int = Field(default=2000, ge=0, le=30000)
    seat_map_cache_ms: int = Field(default=500, ge=0, le=5000)
    # Read-through caches of the browse side (api/service/catalog.py): the catalog changes only on re-seed,
    # and a listing's "seats left" may be older than the seat map itself.
    catalog_cache_ms: int = Field(default=10_000, ge=0, le=300_000)
    seat_counts_cache_ms: int = Field(default=5000, ge=0, le=30_000)
    seat_lock_mode: Literal["transaction", "unsafe"] = "transaction"
    # The waiting room on POST holds (api/service/admission.py, ADR 0022): off unless WAITING_ROOM_ENABLED=true.
    waiting_room_enabled: bool = False
    waiting_room_max_in_flight: int = Field(default=24, ge=0, le=10_000)  # holds in flight per task; 0: all queue
    waiting_room_budget_ms: int = Field(default=150, ge=1, le=60_000)  # recent hold latency before arrivals queue
    waiting_room_admit_per_s: float = Field(default=20.0, gt=0, le=10_000)  # tickets let in per second, all tasks
    waiting_room_max_line: int = Field(default=5000, ge=1, le=1_000_000)  # waiting tickets before refusals
    confirmation_signing_key: str = DEV_SIGNING_KEY
    confirmation_signing_key_secret_arn: str | None = None  # Lambda: read the key from Secrets Manager at cold start
    # On AWS only: the value CloudFront sends in X-Origin-Verify (api/http/edge_guard.py); unset, nothing is checked.
    origin_verify_secret: str | None = Field(default=None, repr=False)
    origin_verify_secret_arn: str | None = None  # Lambda: read it from Secrets Manager at cold start
    metrics_namespace: str = "Labctl/Booking"
    latency_threshold_ms: int = 300
    fault_5xx_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    fault_latency_ms: int = Field(default=0, ge=0, le=60_000)  # a slow release: every /api/ answer waits this long
    # Per-client limits (api/service/limits.py, ADR 0021): seats held at once per show, and token buckets on
    # hold and booking creation (a burst, then a steady rate per second).
    seat_cap_per_show: int = Field(default=10, ge=1, le=1000)
    hold_rate_burst: int = Field(default=20, ge=1, le=100_000)
    hold_rate_per_s: float = Field(default=5.0, gt=0, le=100_000)
    booking_rate_burst: int = Field(default=20, ge=1, le=100_000)
    booking_rate_per_s: float = Field(default=5.0, gt=0, le=100_000)
    # New client identities (signed cookies) per IP address: a burst that covers a load test's users from
    # one machine, then a trickle, so dropping the cookie to start afresh does not pay (api/http/client_id.py).
    new_clients_per_ip_burst: int = Field(default=1000, ge=1, le=1_000_000)
    new_clients_per_ip_per_s: float = Field(default=2.0, gt=0, le=100_000)
    # Request limits (api/http/limits.py): bodies, headers, and how long a body may take to arrive.
    max_body_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    max_header_bytes: int = Field(default=8 * 1024, ge=1024, le=64 * 1024)
    body_timeout_s: float = Field(default=10.0, gt=0, le=120)
    log_level: str = "INFO"
    web_dir: Path | None = None
    contracts_dir: Path = REPO_ROOT / "contracts"


def load_settings() -> Settings:
    """Read the environment once, at the composition root."""
    return Settings()
