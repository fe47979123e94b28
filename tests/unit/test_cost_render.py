"""The cost estimate as a person reads it: grouped, one screen, at 80 and 120 columns (snapshots in tests/golden/).

The input is both modes of the lab as once synthesized (tests/golden/cost_estimates.json), so a change to the
infrastructure does not move the snapshots; tests/infra/test_cost_estimate.py renders the live synth.
Set UPDATE_GOLDEN=1 to rewrite the snapshots after a deliberate change of layout, then read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from labctl.cost.estimate import Estimate
from labctl.cost.groups import biggest, by_stack
from labctl.cost.model import Line
from labctl.cost.service import EstimateResult
from tests.support.screen import assert_fits, normalized, rendered

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FIXTURE = json.loads((GOLDEN / "cost_estimates.json").read_text())
LINE_FIELDS = ("resource", "logical_id", "stack", "unit", "quantity", "usd", "price_key", "kind", "free_tier")


def estimate_of(mode: str) -> Estimate:
    doc: dict[str, Any] = FIXTURE[mode]
    lines = [Line(*(ln[f] for f in LINE_FIELDS)) for ln in doc["lines"]]
    return Estimate(
        region=doc["region"],
        compute=doc["compute"],
        ttl_hours=doc["ttl_hours"],
        requests=doc["requests"],
        lines=lines,
        per_hour_usd=doc["per_hour_usd"],
        prices_as_of=doc["prices_as_of"],
        retained_per_month_usd=doc["retained_per_month_usd"],
    )


def both(details: bool = False) -> EstimateResult:
    return EstimateResult([estimate_of("fargate"), estimate_of("lambda")], details)


def check_snapshot(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(normalized(text))
    assert normalized(text) == path.read_text(), f"{name} changed; UPDATE_GOLDEN=1 rewrites it"


@pytest.mark.parametrize("width", [80, 120])
def test_the_default_view_of_both_modes_matches_its_snapshot_and_fits_one_screen(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = rendered(both().render, width, monkeypatch)

    check_snapshot(f"cost_estimate_{width}.txt", text)
    assert len(text.splitlines()) <= 40
    assert_fits(text, width, whole=["6 composite alarms", "20 alarms", "65 EMF custom metrics", "$67.49/month"])


@pytest.mark.parametrize("width", [80, 120])
def test_one_mode_shows_hourly_ttl_and_monthly_columns(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = rendered(EstimateResult([estimate_of("fargate")]).render, width, monkeypatch)

    check_snapshot(f"cost_estimate_fargate_{width}.txt", text)
    assert len(text.splitlines()) <= 36
    header = next(line for line in text.splitlines() if "per hour" in line)
    assert header.split() == ["stack", "/", "resources", "per", "hour", "for", "2", "h", "per", "month"]
    alb = next(line for line in text.splitlines() if "1 load balancer" in line)
    assert alb.split()[-3:] == ["$0.0325", "$0.0659", "$23.73"]  # per hour, for 2 h, per month


def test_stack_subtotals_add_up_to_the_totals_and_like_resources_share_a_row() -> None:
    for est in (estimate_of("fargate"), estimate_of("lambda")):
        stacks = by_stack(est)
        assert sum(s.usd for s in stacks) == pytest.approx(est.total_usd, abs=1e-5)
        assert sum(s.per_hour_usd for s in stacks) == pytest.approx(est.per_hour_usd, abs=1e-5)
        observability = next(s for s in stacks if s.stack == "labctl-observability")
        composite = next(g for g in observability.groups if g.resource == "AWS::CloudWatch::CompositeAlarm")
        assert composite.label == "6 composite alarms"
        assert composite.usd == pytest.approx(6 * 0.50 / 730 * 2, rel=1e-3)  # $0.50 per composite alarm-month
        costs = [s.usd for s in stacks]
        assert costs[0] == max(costs)  # the stack that dominates the bill comes first


def test_the_biggest_items_lead_and_the_free_tier_share_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    fargate = estimate_of("fargate")
    top = biggest(fargate)
    assert [g.label for g, _ in top] == ["1 load balancer", "65 EMF custom metrics", "1 Fargate service"]
    assert top[0][1] == pytest.approx(0.0659 / sum(ln.usd for ln in fargate.lines if ln.usd > 0), rel=0.01)

    text = rendered(both().render, 80, monkeypatch)

    assert "  biggest: load balancer 27%, 65 EMF custom metrics 22%, Fargate service 12%" in text
    assert "10,000 requests: $0.0377, of which $0.0249 always free (11% of the bill)" in text
    assert "lambda (cheapest): $0.0441/h, $0.1437 for 2 h" in text
    assert "2 SQS queues (free)" in text


@pytest.mark.parametrize("width", [80, 120])
def test_details_shows_every_line_one_row_each(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    est = estimate_of("fargate")

    text = rendered(EstimateResult([est], details=True).render, width, monkeypatch)

    table = text.split("monthly fees are prorated")[0]
    rows = [line for line in table.splitlines() if line.startswith("  ") and "$" in line]
    assert len(rows) == len(est.lines)
    assert_fits(text, width, whole=["alarm-month", "1M read request units", "dashboard-month"])
    assert "(prorated hourly)" not in text  # the unit stays one short word; the note below says why


def test_details_of_both_modes_ends_with_them_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    text = rendered(both(details=True).render, 80, monkeypatch)
    assert "compute modes side by side" in text
    assert "lambda (cheapest)" in text
    assert_fits(text, 80)


def test_json_keeps_its_schema_and_adds_the_grouped_view() -> None:
    doc = both().to_json()

    assert {"region", "ttl_hours", "compute", "lines", "total_usd", "per_hour_usd", "modes", "side_by_side"} <= set(doc)
    for mode in ("fargate", "lambda"):
        one = doc["modes"][mode]
        assert len(one["lines"]) == len(FIXTURE[mode]["lines"])
        assert sum(s["usd"] for s in one["stacks"]) == pytest.approx(one["total_usd"], abs=1e-5)
        assert 0 < one["free_tier_share"] < 1
    groups = {g["label"] for s in doc["modes"]["lambda"]["stacks"] for g in s["groups"]}
    assert {"6 composite alarms", "3 Lambda functions", "1 HTTP API"} <= groups
