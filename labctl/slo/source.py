"""Where the SLI counters come from: CloudWatch GetMetricData (AWS, or moto's CloudWatch locally)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from labctl.output import LabError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

Point = tuple[datetime, float]
RESOLUTION_S = 60  # standard-resolution metrics: CloudWatch keeps (and rounds queries to) whole minutes
# moto accepts any key; used only with an --endpoint-url and no configured credentials (the local lab)
LOCAL_KEY = "local"


class MetricSource(Protocol):
    """Sums of service-level counters over time ranges (one CloudWatch namespace + dimension set)."""

    name: str

    def sums(self, metrics: Sequence[str], start: datetime, end: datetime) -> dict[str, float]:
        """Sum of each metric over [start, end)."""
        ...

    def series(self, metrics: Sequence[str], start: datetime, end: datetime, period_s: int) -> dict[str, list[Point]]:
        """Per-period sums of each metric, oldest first (empty periods are absent)."""
        ...

    def percentile(self, metric: str, stat: str, start: datetime, end: datetime) -> float | None:
        """A percentile statistic (e.g. p95) over the range, or None when the source has none."""
        ...


def align(start: datetime, end: datetime, step_s: int = RESOLUTION_S) -> tuple[datetime, datetime]:
    """[start, end) widened to whole steps since the epoch: start rounded down, end rounded up.

    CloudWatch rounds StartTime down to the minute (or more for old data) and treats EndTime as
    exclusive; moto drops the sub-second part of both. A query ending at `now` must therefore end
    on the next whole step, or the datapoints of the last second (or minute) are silently left out.
    """
    step = timedelta(seconds=step_s)
    epoch = datetime(1970, 1, 1, tzinfo=start.tzinfo)
    lo = epoch + (start - epoch) // step * step
    hi = epoch + -((epoch - end) // step) * step
    return lo, hi


def period_for(span: timedelta) -> int:
    """A CloudWatch period (a multiple of 60 s) covering span in one bucket."""
    return max(60, math.ceil(span.total_seconds() / 60) * 60)


@dataclass
class CloudWatchSource:
    client: CloudWatchClient
    namespace: str
    dimensions: dict[str, str]
    name: str = "cloudwatch"

    def _queries(self, metrics: Sequence[str], period_s: int, stat: str = "Sum") -> list[Any]:
        dims = [{"Name": k, "Value": v} for k, v in self.dimensions.items()]
        return [
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {"Namespace": self.namespace, "MetricName": name, "Dimensions": dims},
                    "Period": period_s,
                    "Stat": stat,
                },
                "ReturnData": True,
            }
            for i, name in enumerate(metrics)
        ]

    def _fetch(self, queries: list[Any], start: datetime, end: datetime) -> dict[str, list[Point]]:
        from botocore.exceptions import BotoCoreError, ClientError

        out: dict[str, list[Point]] = {q["Id"]: [] for q in queries}
        start, end = align(start, end)
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "MetricDataQueries": queries,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            }
            if token:
                kwargs["NextToken"] = token
            try:
                resp = self.client.get_metric_data(**kwargs)
            except ClientError as err:
                # CloudWatch answered but could not compute the query (moto: a 500 on a statistic it lacks)
                raise LabError(
                    "cloudwatch_query_failed",
                    f"GetMetricData failed: {err}",
                    "The report stops rather than count partial data; retry, or check the metrics exist.",
                ) from None
            except BotoCoreError as err:
                raise LabError(
                    "cloudwatch_unavailable",
                    f"GetMetricData failed: {err}",
                    "Check the lab is up (labctl status) and your AWS credentials / --endpoint-url.",
                ) from None
            token = resp.get("NextToken")
            for result in resp.get("MetricDataResults", []):
                _check_complete(result, more_pages=bool(token))
                pairs = zip(result.get("Timestamps", []), result.get("Values", []), strict=True)
                out[result["Id"]].extend((ts, float(v)) for ts, v in pairs)
            if not token:
                break
        for points in out.values():
            points.sort(key=lambda p: p[0])
        return out

    def sums(self, metrics: Sequence[str], start: datetime, end: datetime) -> dict[str, float]:
        lo, hi = align(start, end)
        # Sum is defined for every bucket that has datapoints (on AWS and in moto); buckets are summed
        # because CloudWatch may round an old StartTime further down and split the range in two.
        got = self._fetch(self._queries(metrics, period_for(hi - lo)), lo, hi)
        return {name: sum(v for _, v in got[f"m{i}"]) for i, name in enumerate(metrics)}

    def series(self, metrics: Sequence[str], start: datetime, end: datetime, period_s: int) -> dict[str, list[Point]]:
        got = self._fetch(self._queries(metrics, period_s), start, end)
        return {name: got[f"m{i}"] for i, name in enumerate(metrics)}

    def percentile(self, metric: str, stat: str, start: datetime, end: datetime) -> float | None:
        lo, hi = align(start, end)
        try:
            got = self._fetch(self._queries([metric], period_for(hi - lo), stat), lo, hi)
        except LabError as err:
            if err.code != "cloudwatch_query_failed":
                raise
            # moto computes no percentiles (its server answers 500): the report says "n/a", counts stay exact
            return None
        values = [v for _, v in got["m0"]]
        return max(values) if values else None


def _check_complete(result: Any, *, more_pages: bool) -> None:
    """Raise unless a MetricDataResult is complete (PartialData is fine only when more pages follow)."""
    status = result.get("StatusCode", "Complete")
    if status == "Complete" or (status == "PartialData" and more_pages):
        return
    messages = "; ".join(str(m.get("Value", m)) for m in result.get("Messages", []))
    raise LabError(
        "cloudwatch_query_failed",
        f"GetMetricData returned {status} for {result.get('Label') or result.get('Id')}: {messages or 'no detail'}",
        "The report stops rather than count partial data; retry, or narrow --window.",
    )


def cloudwatch_client(*, region: str | None, profile: str | None, endpoint_url: str | None) -> CloudWatchClient:
    """A boto3 CloudWatch client (created lazily: nothing at import time)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    # A report should fail in seconds, not after minutes of retries against a stopped lab.
    config = Config(connect_timeout=3, read_timeout=30, retries={"total_max_attempts": 2, "mode": "standard"})
    try:
        session = boto3.Session(profile_name=profile, region_name=region or None)
        if endpoint_url is not None and session.get_credentials() is None:
            # a local endpoint (moto) accepts any key: the local lab needs no AWS profile
            session = boto3.Session(
                region_name=region or None, aws_access_key_id=LOCAL_KEY, aws_secret_access_key=LOCAL_KEY
            )
        return session.client(
            "cloudwatch", endpoint_url=endpoint_url, region_name=region or session.region_name, config=config
        )
    except BotoCoreError as err:
        raise LabError("aws_session_failed", str(err), "Check --profile / --region or AWS_PROFILE.") from None
