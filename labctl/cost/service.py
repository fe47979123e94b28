"""`labctl cost estimate`: templates (cdk.out or in-process synth) -> estimates -> one result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labctl.cost import groups, prices, render
from labctl.cost.estimate import Estimate, estimate, side_by_side
from labctl.cost.templates import mode_of, read_assembly, synthesize_modes
from labctl.durations import CLOUD_TTL, hours, parse_duration
from labctl.output import LabError


@dataclass
class EstimateResult:
    """One estimate, or both modes with the cheapest on top."""

    estimates: list[Estimate]
    details: bool = False  # every line instead of the grouped view

    @property
    def main(self) -> Estimate:
        return min(self.estimates, key=lambda e: e.total_usd)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape; with two modes the top level is the cheapest plus `modes`."""
        payload = _doc(self.main)
        if len(self.estimates) > 1:
            payload["compute"] = "both"
            payload["cheapest"] = self.main.compute
            payload["modes"] = {e.compute: _doc(e) for e in self.estimates}
            payload["side_by_side"] = side_by_side(self.estimates)["modes"]
        return payload

    def render(self) -> None:
        if not self.details:
            render.show_grouped(self.estimates)
            return
        for est in self.estimates:
            render.show(est)
        if len(self.estimates) > 1:
            render.show_modes(self.estimates)


def _doc(est: Estimate) -> dict[str, Any]:
    """An estimate's documented JSON plus its grouped view (stack subtotals, like resources)."""
    return est.as_dict() | {
        "stacks": groups.stacks_json(groups.by_stack(est)),
        "free_tier_share": groups.free_share(est),
    }


def run_estimate(
    *, ttl: str, compute: str, requests: int, region: str, cdk_out: Path | None, details: bool = False
) -> EstimateResult:
    """Price the lab for ttl in region; synthesizes each wanted mode unless cdk_out is given."""
    if compute not in ("fargate", "lambda", "both"):
        raise LabError("invalid_compute", f"--compute {compute!r} is not fargate, lambda or both.")
    if requests < 0:
        raise LabError("invalid_requests", "--requests must be 0 or more.")
    ttl_hours = hours(parse_duration(ttl, CLOUD_TTL))
    prices.load(region)  # unknown_region before any synth
    if cdk_out is not None:
        templates = read_assembly(cdk_out)
        found = mode_of(templates)
        if compute not in ("both", found):
            raise LabError(
                "compute_mismatch",
                f"{cdk_out} holds a {found} lab, not {compute}.",
                "Drop --compute, or synthesize the other mode.",
            )
        sets = [templates]
    else:
        modes = ["fargate", "lambda"] if compute == "both" else [compute]
        sets = synthesize_modes(modes, region=region)
    return EstimateResult([estimate(t, region=region, ttl_hours=ttl_hours, requests=requests) for t in sets], details)
