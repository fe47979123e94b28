"""CDK entry point: builds every stack of one lab from one LabConfig (cdk.json "app").

Run from the repo root: `.venv/bin/python -m infra.app` (or `python3 infra/app.py`); tests and labctl
call `build_app(config, outdir)` to synthesize in-process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

if __package__ in (None, ""):
    # `python3 infra/app.py`: put the repo root where the script dir was, else `import constructs`
    # would find infra/constructs instead of the constructs library.
    _here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(_here)]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import EDGE_REGION, ConfigError, LabConfig, config_from_context, stack_dependencies, stack_names
from infra.stacks.compute import ComputeStack
from infra.stacks.data import DataStack
from infra.stacks.edge import EdgeStack
from infra.stacks.lab_control import LabControlStack
from infra.stacks.network import NetworkStack
from infra.stacks.observability import ObservabilityStack

S = TypeVar("S", bound=cdk.Stack)


def lab_tags(config: LabConfig) -> dict[str, str]:
    """The tags on every stack and resource: the lab's name (the reaper finds its resources by it), its owner."""
    return {"lab:name": config.lab_name, "lab:owner": config.owner, **config.tags}


def add_stacks(app: cdk.App, config: LabConfig) -> dict[str, cdk.Stack]:
    """Add the lab's stacks to `app`, dependencies explicit; returns them by name."""
    lab_env = cdk.Environment(region=config.region)

    def new(cls: Callable[..., S], part: str, what: str, **deps: object) -> S:
        """One stack of the lab: its name, description, region, tags and the stacks it builds on."""
        props: dict[str, object] = {
            "stack_name": config.stack_name(part),
            "description": f"labctl lab {config.lab_name}: {what}",
            "env": lab_env,
            "cross_region_references": config.cross_region,
            "tags": lab_tags(config),
        }
        return cls(app, config.stack_name(part), config=config, **(props | deps))

    network = new(NetworkStack, "network", "VPC + SGs") if config.compute == "fargate" else None
    data = new(DataStack, "data", "DynamoDB + SQS")
    compute = new(ComputeStack, "compute", f"API ({config.compute}) + workers", data=data, network=network)
    edge_env = cdk.Environment(region=EDGE_REGION)
    edge = new(EdgeStack, "edge", "CloudFront + WAF + web bucket", compute=compute, env=edge_env)
    observability = new(ObservabilityStack, "observability", "dashboard + SLO alarms", data=data, compute=compute)
    names = stack_names(config)
    control_name = config.stack_name("control")
    managed = [n for n in names if n != control_name]
    control = new(LabControlStack, "control", "lifecycle", managed_stack_names=managed)
    stacks: dict[str, cdk.Stack] = {
        s.stack_name: s for s in (network, data, compute, edge, observability) if s is not None
    }
    stacks[control_name] = control
    assert list(stacks) == names, f"stack order {list(stacks)} != stack_names {names}"
    for name, depends_on in stack_dependencies(config).items():
        for dependency in depends_on:
            stacks[name].add_stack_dependency(stacks[dependency])
    return stacks


def build_app(config: LabConfig, outdir: str | None = None, *, nag: bool = True) -> cdk.App:
    """A cdk.App holding every stack of the lab, with cdk-nag AwsSolutions checks attached."""
    app = cdk.App(outdir=outdir, context=_context(config))
    add_stacks(app, config)
    # Stack tags reach resources only at deploy; Tags.of also writes them into every template.
    for key, value in lab_tags(config).items():
        cdk.Tags.of(app).add(key, value)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


# Feature flags live here, not in cdk.json, so in-process synth (tests, labctl) sees the same ones.
FEATURE_FLAGS: dict[str, str] = {"@aws-cdk/core:defaultCrossStackReferences": "strong"}


def _context(config: LabConfig) -> dict[str, str]:
    ctx = {**FEATURE_FLAGS, "lab_name": config.lab_name, "compute": config.compute, "region": config.region}
    if config.expires_at is not None:
        ctx["expires_at"] = config.expires_at.isoformat().replace("+00:00", "Z")
    if config.image_tag is not None:
        ctx["image_tag"] = config.image_tag
    return ctx


def main() -> int:
    """Entry of `cdk synth/deploy`: read the config from context, synthesize, exit 2 on bad config."""
    probe = cdk.App()
    try:
        config = config_from_context(_all_context(probe))
    except ConfigError as err:
        print(f"labctl infra: config error [{err.code}]: {err.message}", file=sys.stderr)
        return 2
    nag = str(probe.node.try_get_context("nag") or "true").lower() != "false"
    app = build_app(config, outdir=probe.outdir, nag=nag)
    app.synth()
    return 0


CONTEXT_KEYS = (
    "lab_name",
    "owner",
    "region",
    "compute",
    "domain",
    "hosted_zone_id",
    "hosted_zone_name",
    "alert_email",
    "desired_count",
    "max_count",
    "hold_ttl_seconds",
    "hold_rate_limit",
    "tags",
    "expires_at",
    "image_tag",
)


def _all_context(app: cdk.App) -> dict[str, object]:
    return {k: v for k in CONTEXT_KEYS if (v := app.node.try_get_context(k)) is not None}


if __name__ == "__main__":
    sys.exit(main())
