"""contracts/deployment.json is the one source of the health check and the shutdown chain, for AWS and the lab."""

from __future__ import annotations

import re
from pathlib import Path

from infra.contracts import load_deployment
from labctl.local import services
from labctl.local.deployment import contract

REPO = Path(__file__).resolve().parents[2]


def test_the_lab_reads_the_same_numbers_as_the_infra() -> None:
    infra, lab = load_deployment(), contract()
    hc = infra.health_check
    assert (lab.health_path, lab.health_interval_s, lab.health_timeout_s) == (
        hc.path,
        hc.interval_seconds,
        hc.timeout_seconds,
    )
    assert (lab.healthy_threshold, lab.unhealthy_threshold) == (hc.healthy_threshold, hc.unhealthy_threshold)
    assert (lab.deregistration_delay_s, lab.graceful_shutdown_s, lab.stop_timeout_s) == (
        infra.deregistration_delay_seconds,
        infra.graceful_shutdown_seconds,
        infra.stop_timeout_seconds,
    )


def test_the_chain_drains_before_sigterm_and_finishes_before_sigkill() -> None:
    lab = contract()
    assert lab.graceful_shutdown_s < lab.stop_timeout_s <= lab.deregistration_delay_s


def test_the_lab_api_and_the_image_shut_down_gracefully_for_the_same_time() -> None:
    argv = services.api_argv(8080)
    local = float(argv[argv.index("--timeout-graceful-shutdown") + 1])
    image = re.search(r'"--timeout-graceful-shutdown", "(\d+)"', (REPO / "Dockerfile").read_text())
    assert image is not None
    assert local == float(image.group(1)) == contract().graceful_shutdown_s
