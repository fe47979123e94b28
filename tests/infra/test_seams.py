"""The public attributes the observability and lab-control stacks build on."""

from __future__ import annotations

from tests.infra.conftest import SynthResult


def test_compute_and_data_expose_what_observability_needs(synth_results: dict[str, SynthResult]) -> None:
    for mode, result in synth_results.items():
        data = result.app.node.find_child(result.config.stack_name("data"))
        compute = result.app.node.find_child(result.config.stack_name("compute"))
        assert sorted(data.queues) == sorted(data.dlqs) == ["booking_events", "hold_expiry"]
        assert data.table is not None
        assert data.metrics_namespace == compute.metrics_namespace == "Labctl/Booking"
        assert sorted(compute.worker_functions) == ["booking_events", "hold_expiry"]
        assert compute.api_log_group is not None
        if mode == "fargate":
            assert compute.service is not None
            assert compute.load_balancer is not None
            assert len(compute.target_groups) == 2
            assert compute.http_api is None
            assert compute.api_function is None
        else:
            assert compute.http_api is not None
            assert compute.api_function is not None
            assert compute.service is None
            assert compute.load_balancer is None
            assert compute.target_groups == []


def test_the_control_stack_receives_every_other_stack_name(synth_results: dict[str, SynthResult]) -> None:
    from infra.config import stack_names

    for result in synth_results.values():
        control = result.app.node.find_child(result.config.stack_name("control"))
        assert control.managed_stack_names == stack_names(result.config)[:-1]
