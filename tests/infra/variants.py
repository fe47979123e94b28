"""Every synthesized variant of a lab: compute mode x custom domain x region (2 x 2 x 2).

The session synth (conftest) covers two of them with cdk-nag; the other six are synthesized here into
one cloud assembly, in a subprocess started early so it overlaps the session synth:
`python -m tests.infra.variants OUTDIR`.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

from labctl.cost.templates import stack_artifacts

REGIONS = ("us-east-1", "eu-west-1")
DOMAIN = {
    "domain_name": "tickets.example.com",
    "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
    "hosted_zone_name": "example.com",
}


def variant_name(mode: str, region: str, domain: bool) -> str:
    """A lab name per variant, e.g. `v-fargate-euw1-dom`."""
    short = region.replace("-", "")[:3] + region[-1]
    return f"v-{mode}-{short}-{'dom' if domain else 'nodom'}"


def every_variant() -> list[tuple[str, str, bool]]:
    """(mode, region, with a domain) of every variant."""
    return list(itertools.product(("fargate", "lambda"), REGIONS, (False, True)))


def config_of(mode: str, region: str, domain: bool, lab_name: str | None = None) -> Any:
    """The LabConfig of one variant."""
    from infra.config import LabConfig

    extra: dict[str, Any] = dict(DOMAIN) if domain else {}
    name = lab_name or variant_name(mode, region, domain)
    return LabConfig(lab_name=name, region=region, compute=mode, owner="infra-tests", **extra)  # type: ignore[arg-type]


def synth(variants: list[tuple[str, str, bool]], outdir: Path) -> None:
    """One app holding the lab of each variant (no cdk-nag: only names are read from it)."""
    import aws_cdk as cdk

    from infra.app import FEATURE_FLAGS, add_stacks

    app = cdk.App(outdir=str(outdir), context=dict(FEATURE_FLAGS))
    for mode, region, domain in variants:
        add_stacks(app, config_of(mode, region, domain))
    app.synth()


def read_labs(outdir: Path) -> dict[str, tuple[dict[str, dict[str, Any]], dict[str, str]]]:
    """lab name -> (templates by stack name, region by stack name), from a cloud assembly."""
    labs: dict[str, tuple[dict[str, dict[str, Any]], dict[str, str]]] = {}
    for stack in stack_artifacts(outdir):
        templates, regions = labs.setdefault(stack.name.rsplit("-", 1)[0], ({}, {}))
        templates[stack.name] = stack.template()
        regions[stack.name] = stack.region
    return labs


if __name__ == "__main__":
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    wanted = [tuple(json.loads(v)) for v in sys.argv[2:]] or every_variant()
    synth([(str(m), str(r), bool(d)) for m, r, d in wanted], Path(sys.argv[1]))
