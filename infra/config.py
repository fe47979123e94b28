"""LabConfig: the one typed, validated configuration of a lab, read once from cdk.json context / env.

Stack names are deterministic from the lab name; `stack_names(config)` returns them in deploy order
(destroy in reverse). The edge stack always lives in us-east-1 (CloudFront's WAF and certificate
must), every other stack in the lab region: `stack_regions(config)` maps each name to its region.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from infra.contracts import load_deployment

ComputeMode = Literal["fargate", "lambda"]
COMPUTE_MODES: tuple[ComputeMode, ...] = ("fargate", "lambda")
EDGE_REGION = "us-east-1"
METRICS_NAMESPACE = "Labctl/Booking"

# Graceful shutdown chain (seconds), from contracts/deployment.json (the lab's front door reads it too):
# the ALB drains a deregistered target for DEREGISTRATION_DELAY, then ECS sends SIGTERM; uvicorn
# finishes in-flight requests within GRACEFUL_SHUTDOWN and ECS sends SIGKILL after STOP_TIMEOUT. The
# Dockerfile's --timeout-graceful-shutdown must equal GRACEFUL_SHUTDOWN_SECONDS (tests/infra/test_container.py).
DEPLOYMENT = load_deployment()
DEREGISTRATION_DELAY_SECONDS = DEPLOYMENT.deregistration_delay_seconds
GRACEFUL_SHUTDOWN_SECONDS = DEPLOYMENT.graceful_shutdown_seconds
STOP_TIMEOUT_SECONDS = DEPLOYMENT.stop_timeout_seconds

_LAB_NAME = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{4,32}$")
_TAG = re.compile(r"^[\w .:/=+\-@]{1,128}$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")  # what ECR and Docker accept as a tag


class ConfigError(ValueError):
    """A bad configuration value: `code` is a stable snake_case identifier."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LabConfig:
    """Everything that varies between two labs; validated on construction."""

    lab_name: str = "labctl"
    owner: str = "unassigned"
    region: str = "us-east-1"
    compute: ComputeMode = "fargate"
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    alert_email: str | None = None
    desired_count: int = 1
    max_count: int = 4
    hold_ttl_seconds: int = 300
    hold_rate_limit: int = 300
    tags: Mapping[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    # A pushed image (tag in `image_repository_name`) instead of building the Dockerfile at deploy.
    image_tag: str | None = None

    def __post_init__(self) -> None:
        if not _LAB_NAME.match(self.lab_name):
            raise ConfigError(
                "invalid_lab_name",
                f"lab_name {self.lab_name!r} must be 3-20 chars of a-z, 0-9, '-', start with a letter",
            )
        if not _TAG.match(self.owner):
            raise ConfigError("invalid_owner", f"owner {self.owner!r} is not a valid tag value")
        if not _REGION.match(self.region):
            raise ConfigError("invalid_region", f"region {self.region!r} is not an AWS region name")
        if self.compute not in COMPUTE_MODES:
            raise ConfigError("invalid_compute", f"compute {self.compute!r} must be one of {COMPUTE_MODES}")
        self._check_domain()
        if self.alert_email is not None and not EMAIL.match(self.alert_email):
            raise ConfigError("invalid_alert_email", f"alert_email {self.alert_email!r} is not an address")
        if not 1 <= self.desired_count <= 10:
            raise ConfigError("invalid_desired_count", "desired_count must be between 1 and 10")
        if not self.desired_count <= self.max_count <= 20:
            raise ConfigError("invalid_max_count", "max_count must be >= desired_count and <= 20")
        if not 5 <= self.hold_ttl_seconds <= 900:
            raise ConfigError("invalid_hold_ttl", "hold_ttl_seconds must be between 5 and 900")
        if not 10 <= self.hold_rate_limit <= 20_000_000:
            raise ConfigError("invalid_hold_rate_limit", "hold_rate_limit must be between 10 and 2e7")
        for key, value in self.tags.items():
            if not (_TAG.match(key) and _TAG.match(value)) or key.lower().startswith("aws:"):
                raise ConfigError("invalid_tag", f"tag {key!r}={value!r} is not a valid AWS tag")
        if self.expires_at is not None and self.expires_at.utcoffset() != UTC.utcoffset(None):
            raise ConfigError("invalid_expires_at", "expires_at must be in UTC")
        if self.image_tag is not None and not _IMAGE_TAG.match(self.image_tag):
            raise ConfigError("invalid_image_tag", f"image_tag {self.image_tag!r} is not a valid image tag")

    def _check_domain(self) -> None:
        parts = (self.domain_name, self.hosted_zone_id, self.hosted_zone_name)
        if all(p is None for p in parts):
            return
        if any(p is None for p in parts):
            raise ConfigError("incomplete_domain", "domain, hosted_zone_id and hosted_zone_name go together")
        assert self.domain_name
        assert self.hosted_zone_id
        assert self.hosted_zone_name
        if not _DOMAIN.match(self.domain_name):
            raise ConfigError("invalid_domain", f"domain {self.domain_name!r} is not a DNS name")
        if not _ZONE_ID.match(self.hosted_zone_id):
            raise ConfigError("invalid_hosted_zone_id", f"{self.hosted_zone_id!r} is not a zone id")
        zone = self.hosted_zone_name.rstrip(".")
        if self.domain_name != zone and not self.domain_name.endswith("." + zone):
            raise ConfigError("domain_outside_zone", f"{self.domain_name} is not inside zone {zone}")

    @property
    def has_domain(self) -> bool:
        """True when a custom domain (and so ACM certificates) is configured."""
        return self.domain_name is not None

    @property
    def origin_domain_name(self) -> str | None:
        """The ALB's own DNS name under the lab domain (CloudFront connects to it over HTTPS)."""
        return None if self.domain_name is None else f"origin.{self.domain_name}"

    @property
    def cross_region(self) -> bool:
        """True when the edge stack (us-east-1) is in another region than the rest of the lab."""
        return self.region != EDGE_REGION

    @property
    def image_repository_name(self) -> str:
        """The ECR repository CI pushes the API image to (created by the `<lab>-cicd` stack)."""
        return f"{self.lab_name}-api"

    def stack_name(self, part: str) -> str:
        """`<lab>-<part>`, e.g. `demo-control`."""
        return f"{self.lab_name}-{part}"


# The stacks each stack depends on (deploys after; must be deleted before them). infra.app adds
# these dependencies, the reaper and `labctl down` delete in their reverse; a test keeps them equal
# to the cloud assembly's.
STACK_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "network": (),
    "data": (),
    "compute": ("network", "data"),
    "edge": ("compute",),
    "observability": ("data", "compute"),
    "control": ("network", "data", "compute", "edge", "observability"),
}


def stack_names(config: LabConfig) -> list[str]:
    """Every stack of the lab, in deploy order (destroy in reverse); no network stack in lambda mode."""
    parts = ["network"] if config.compute == "fargate" else []
    parts += ["data", "compute", "edge", "observability", "control"]
    return [config.stack_name(p) for p in parts]


def stack_dependencies(config: LabConfig) -> dict[str, list[str]]:
    """Each stack's name -> the names of the lab's stacks it depends on (those present in its mode)."""
    names = stack_names(config)
    prefix = f"{config.lab_name}-"
    return {
        name: [d for d in (config.stack_name(p) for p in STACK_DEPENDENCIES[name.removeprefix(prefix)]) if d in names]
        for name in names
    }


def web_bucket_name(lab_name: str, account: str) -> str:
    """The edge stack's bucket, named exactly so the reaper's S3 rights can name it (no shared prefix)."""
    return f"{lab_name}-web-{account}-{EDGE_REGION}"


def stack_regions(config: LabConfig) -> dict[str, str]:
    """The region of each stack: the edge stack in us-east-1, all others in the lab region."""
    edge = config.stack_name("edge")
    return {name: EDGE_REGION if name == edge else config.region for name in stack_names(config)}


def _text(ctx: Mapping[str, Any], key: str, env: str | None = None) -> str | None:
    value = ctx.get(key)
    if value is None and env is not None:
        value = os.environ.get(env)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return str(value).strip()


def _int(ctx: Mapping[str, Any], key: str, default: int) -> int:
    raw = _text(ctx, key)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"invalid_{key}", f"{key} must be an integer, got {raw!r}") from None


def _tags(raw: Any) -> dict[str, str]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    pairs = [p for p in str(raw).split(",") if p.strip()]
    if not all("=" in p for p in pairs):
        raise ConfigError("invalid_tag", f"tags must be k=v,k2=v2, got {raw!r}")
    return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}


def _expires_at(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError("invalid_expires_at", f"expires_at {raw!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise ConfigError("invalid_expires_at", f"expires_at {raw!r} needs a UTC offset (Z)")
    return parsed


def config_from_context(ctx: Mapping[str, Any]) -> LabConfig:
    """Build the LabConfig from CDK context (`-c key=value` / cdk.json), falling back to env vars."""
    compute = _text(ctx, "compute", "LAB_COMPUTE") or "fargate"
    if compute not in COMPUTE_MODES:
        raise ConfigError("invalid_compute", f"compute {compute!r} must be one of {COMPUTE_MODES}")
    region = _text(ctx, "region") or os.environ.get("CDK_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    return LabConfig(
        lab_name=_text(ctx, "lab_name", "LAB_NAME") or "labctl",
        owner=_text(ctx, "owner", "LAB_OWNER") or "unassigned",
        region=region or "us-east-1",
        compute=compute,  # narrowed to ComputeMode by the membership check above
        domain_name=_text(ctx, "domain"),
        hosted_zone_id=_text(ctx, "hosted_zone_id"),
        hosted_zone_name=_text(ctx, "hosted_zone_name"),
        alert_email=_text(ctx, "alert_email", "LAB_ALERT_EMAIL"),
        desired_count=_int(ctx, "desired_count", 1),
        max_count=_int(ctx, "max_count", 4),
        hold_ttl_seconds=_int(ctx, "hold_ttl_seconds", 300),
        hold_rate_limit=_int(ctx, "hold_rate_limit", 300),
        tags=_tags(ctx.get("tags")),
        expires_at=_expires_at(_text(ctx, "expires_at")),
        image_tag=_text(ctx, "image_tag", "LAB_IMAGE_TAG"),
    )
