"""contracts/slo.yaml: labctl and infra read the same numbers, and the API emits every counter it names."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.http.metrics import EmfObserver
from api.settings import Settings
from infra.config import METRICS_NAMESPACE
from infra.constructs.burn_rate_alarms import load_slo_contract
from labctl.commands.slo import app
from labctl.output import LabError
from labctl.slo.spec import load_spec, parse_spec


def test_labctl_and_infra_read_the_same_slos() -> None:
    spec, contract = load_spec(), load_slo_contract()
    assert (spec.service, spec.namespace, spec.window) == (contract.service, contract.namespace, contract.window)
    assert [(s.name, s.objective, s.total, s.good, s.bad, s.budget) for s in spec.slos] == [
        (s.name, s.objective, s.total, s.good, s.bad, s.budget) for s in contract.slos
    ]
    assert [(r.severity, r.long, r.short, r.burn_rate) for r in spec.alerting] == [
        (r.severity, r.long, r.short, r.burn_rate) for r in contract.rules
    ]


def test_the_api_settings_agree_with_the_contract() -> None:
    spec, settings = load_spec(), Settings()
    assert spec.latency_threshold_ms == settings.latency_threshold_ms == 300
    assert spec.namespace == settings.metrics_namespace == METRICS_NAMESPACE
    assert spec.service == settings.service_name


def test_every_sli_counter_is_emitted_by_the_api() -> None:
    observer = EmfObserver(Settings(), routes=["/api/bookings", "/api/movies"])
    emitted: set[str] = set()
    for route, method, status, code in [
        ("/api/movies", "GET", 200, None),
        ("/api/bookings", "POST", 201, None),
        ("/api/bookings", "POST", 402, "payment_declined"),
    ]:
        doc = observer.document(route, method, status, 10.0, code, now_ms=0)
        assert doc is not None
        emitted |= {m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    for slo in load_spec().slos:
        for counter in (slo.total, slo.good, slo.bad):
            assert counter is None or counter in emitted, counter


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"objective": 1.0}, "objective"),
        ({"objective": "high"}, "objective"),
        ({"good": "X", "bad": "Y"}, "exactly one"),
        ({"total": None}, "total"),
    ],
)
def test_a_broken_slo_file_is_a_clear_error(patch, message) -> None:
    slo = {"name": "s", "objective": 0.99, "total": "T", "good": "G", **patch}
    slo = {k: v for k, v in slo.items() if v is not None}
    doc = {
        "service": "x",
        "namespace": "n",
        "window": "30d",
        "latency_threshold_ms": 300,
        "alerting": [],
        "slos": [slo],
    }
    with pytest.raises(LabError) as err:
        parse_spec(doc)
    assert err.value.code == "invalid_slo_file"
    assert message in err.value.message


def test_explain_derives_thresholds_from_the_objective() -> None:
    result = CliRunner().invoke(app, ["explain", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    slos = {s["name"]: s for s in data["slos"]}
    assert slos["availability"]["budget_minutes"] == pytest.approx(43.2)
    assert slos["availability"]["bad_events_allowed_per_million"] == pytest.approx(1000)
    page, slow_page, ticket = data["alerting"]
    assert page["budget_spent_in_long_window"] == pytest.approx(0.02)
    assert page["budget_exhausted_after_hours"] == pytest.approx(50)
    assert page["error_ratio_threshold"]["availability"] == pytest.approx(0.0144)
    assert slow_page["budget_spent_in_long_window"] == pytest.approx(0.05)
    assert ticket["budget_spent_in_long_window"] == pytest.approx(0.10)


def test_explain_text_walks_through_the_workbook_example() -> None:
    result = CliRunner().invoke(app, ["explain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "availability: objective 99.9% -> budget 0.1% of events" in result.output
    assert (
        "page: 14.4x over 1h (confirmed over 5m) spends 2% of the 30d budget in 1h (= 14.4 x 1h / 30d)" in result.output
    )
