"""The estimate's count of EMF custom metrics is the count the API and the workers really publish."""

from __future__ import annotations

from labctl.cost import model
from tests.infra.recompute import api_metrics, worker_metrics


def test_the_estimate_counts_every_custom_metric_the_code_publishes() -> None:
    api = api_metrics()
    per_route = {m for m in api if len(m[1]) == 3}  # (Service, Route, Method)
    routes = {dims for _, dims in per_route}

    assert len(routes) == model.EMF_ROUTES
    assert {name for name, _ in per_route} == {"Requests", "Errors5xx", "GoodLatency", "Latency"}
    assert len(per_route) == model.EMF_ROUTES * model.EMF_PER_ROUTE
    assert len(api - per_route) == model.EMF_SERVICE
    assert len(worker_metrics()) == model.EMF_WORKERS
    assert len(api) + len(worker_metrics()) == model.EMF_METRICS == 65
