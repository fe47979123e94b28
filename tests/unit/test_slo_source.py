"""CloudWatchSource against a stubbed boto3 client: whole-minute ranges, and no silent partial data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from labctl.output import LabError
from labctl.slo.report import build_report
from labctl.slo.source import CloudWatchSource, align
from labctl.slo.spec import load_spec
from tests.unit.test_slo_report import FakeSource

T0 = datetime(2030, 1, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def stubbed() -> Iterator[tuple[CloudWatchSource, Stubber]]:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="k")
    with Stubber(client) as stub:
        yield CloudWatchSource(client, "Labctl/Booking", {"Service": "booking-api"}), stub
        stub.assert_no_pending_responses()


def _expect(stub: Stubber, start: datetime, end: datetime, response: dict[str, Any]) -> None:
    params = {"MetricDataQueries": ANY, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}
    stub.add_response("get_metric_data", response, params)


def test_align_rounds_start_down_and_end_up_to_whole_minutes() -> None:
    assert align(T0 + timedelta(seconds=59.9), T0 + timedelta(seconds=61.5)) == (T0, T0 + timedelta(minutes=2))
    assert align(T0, T0 + timedelta(minutes=3)) == (T0, T0 + timedelta(minutes=3))  # aligned: unchanged
    assert align(T0 - timedelta(microseconds=1), T0 + timedelta(microseconds=1)) == (
        T0 - timedelta(minutes=1),
        T0 + timedelta(minutes=1),
    )


def test_sums_query_whole_minutes_so_the_last_second_counts(stubbed: tuple[CloudWatchSource, Stubber]) -> None:
    source, stub = stubbed
    # the report runs 45.98 s into the minute: a query ending there (moto: at 45 s) misses the last second
    _expect(stub, T0, T0 + timedelta(minutes=1), {"MetricDataResults": [
        {"Id": "m0", "Timestamps": [T0], "Values": [88.0], "StatusCode": "Complete"},
        {"Id": "m1", "Timestamps": [T0], "Values": [35.0], "StatusCode": "Complete"},
    ]})  # fmt: skip
    sums = source.sums(["Requests", "Errors5xx"], T0 + timedelta(seconds=27.8), T0 + timedelta(seconds=45.98))
    assert sums == {"Requests": 88.0, "Errors5xx": 35.0}


def test_partial_data_is_summed_across_pages(stubbed: tuple[CloudWatchSource, Stubber]) -> None:
    source, stub = stubbed
    end = T0 + timedelta(minutes=2)
    _expect(stub, T0, end, {"NextToken": "p2", "MetricDataResults": [
        {"Id": "m0", "Timestamps": [T0], "Values": [5.0], "StatusCode": "PartialData"}]})  # fmt: skip
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": [{"Id": "m0", "Timestamps": [end], "Values": [7.0], "StatusCode": "Complete"}]},
        {"MetricDataQueries": ANY, "StartTime": T0, "EndTime": end, "ScanBy": "TimestampAscending", "NextToken": "p2"},
    )
    assert source.sums(["Requests"], T0, end) == {"Requests": 12.0}


@pytest.mark.parametrize("status", ["InternalError", "Forbidden", "PartialData"])
def test_an_incomplete_result_is_an_error_not_a_smaller_number(
    stubbed: tuple[CloudWatchSource, Stubber], status: str
) -> None:
    source, stub = stubbed
    _expect(stub, T0, T0 + timedelta(minutes=1), {"MetricDataResults": [{
        "Id": "m0", "Label": "Requests Sum", "Timestamps": [T0], "Values": [49.0], "StatusCode": status,
        "Messages": [{"Code": "X", "Value": "something went wrong"}]}]})  # fmt: skip
    with pytest.raises(LabError) as caught:
        source.sums(["Requests"], T0, T0 + timedelta(seconds=30))
    assert caught.value.code == "cloudwatch_query_failed"
    assert status in caught.value.message
    assert "Requests Sum" in caught.value.message
    assert caught.value.hint


def test_a_server_error_is_cloudwatch_query_failed(stubbed: tuple[CloudWatchSource, Stubber]) -> None:
    source, stub = stubbed
    stub.add_client_error("get_metric_data", "InternalFailure", "boom", http_status_code=500)
    with pytest.raises(LabError) as caught:
        source.series(["Requests"], T0, T0 + timedelta(minutes=5), 60)
    assert caught.value.code == "cloudwatch_query_failed"


def test_a_percentile_the_source_cannot_compute_is_none(stubbed: tuple[CloudWatchSource, Stubber]) -> None:
    source, stub = stubbed  # moto answers a p95 query with a 500 (its serializer meets a None)
    stub.add_client_error("get_metric_data", "InternalFailure", "p95", http_status_code=500)
    assert source.percentile("Latency", "p95", T0, T0 + timedelta(minutes=5)) is None


def test_report_range_is_whole_minutes_and_counts_the_last_second() -> None:
    now = T0 + timedelta(seconds=45.98)
    last_second, before_since = now - timedelta(seconds=0.5), T0 + timedelta(seconds=1)
    source = FakeSource([(last_second, "Requests", 35.0), (before_since, "Requests", 1.0)])
    report = build_report(load_spec(), source, now=now, since=T0 + timedelta(seconds=27.8))
    assert (report.start, report.end) == (T0, T0 + timedelta(minutes=1))
    assert report.slos[0].total == 36.0  # since is rounded down to the minute, as CloudWatch does
