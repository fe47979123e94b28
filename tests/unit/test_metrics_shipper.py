"""The local EMF shipper: complete lines only, and no metric lost when CloudWatch is not there yet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import EndpointConnectionError

from labctl.local.emf_shipper import Shipper, Tail


def _emf(value: int) -> str:
    doc = {
        "_aws": {
            "Timestamp": 1_800_000_000_000,
            "CloudWatchMetrics": [
                {"Namespace": "Labctl/Booking", "Dimensions": [["service"]], "Metrics": [{"Name": "HoldsExpired"}]}
            ],
        },
        "service": "hold-expiry",
        "HoldsExpired": value,
    }
    return json.dumps(doc) + "\n"


class FlakyCloudWatch:
    """Refuses the first `failures` calls like an endpoint that is still starting, then records."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[dict[str, Any]] = []

    def put_metric_data(self, **kwargs: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        self.calls.append(kwargs)


def test_a_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    line = _emf(2)
    log.write_text("not json\n" + line[:40])
    cw = FlakyCloudWatch(0)
    shipper = Shipper(cw, [Tail(log)])  # type: ignore[arg-type]
    assert shipper.ship_once() == 0
    with log.open("a") as f:
        f.write(line[40:])
    assert shipper.ship_once() == 1
    (datum,) = cw.calls[0]["MetricData"]
    assert (datum["MetricName"], datum["Value"], datum["Dimensions"]) == (
        "HoldsExpired",
        2.0,
        [{"Name": "service", "Value": "hold-expiry"}],
    )


def test_lines_are_kept_until_cloudwatch_accepts_them(tmp_path: Path, capsys) -> None:
    log = tmp_path / "api.log"
    log.write_text(_emf(1) + _emf(3))
    cw = FlakyCloudWatch(failures=1)
    shipper = Shipper(cw, [Tail(log)])  # type: ignore[arg-type]
    assert shipper.ship_once() == 0  # refused: nothing lost, offset unchanged
    assert "emf_shipper_retry" in capsys.readouterr().err
    assert shipper.ship_once() == 2
    assert [d["Value"] for d in cw.calls[0]["MetricData"]] == [1.0, 3.0]
    assert shipper.ship_once() == 0  # and never shipped twice
