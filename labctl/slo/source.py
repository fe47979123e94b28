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
        out: dict[str, list[Point]] = {q["Id"]: [] for q in queries}
        token: str | None = None
        from botocore.exceptions import BotoCoreError, ClientError

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
            except (BotoCoreError, ClientError) as err:
                raise LabError(
                    "cloudwatch_unavailable",
                    f"GetMetricData failed: {err}",
                    "Check the lab is up (labctl status) and your AWS credentials / --endpoint-url.",
                ) from None
            for result in resp.get("MetricDataResults", []):
                pairs = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                out[result["Id"]].extend((ts, float(v)) for ts, v in pairs if v is not None)
            token = resp.get("NextToken")
            if not token:
                break
        for points in out.values():
            points.sort(key=lambda p: p[0])
        return out

    def sums(self, metrics: Sequence[str], start: datetime, end: datetime) -> dict[str, float]:
        got = self._fetch(self._queries(metrics, period_for(end - start)), start, end)
        return {name: sum(v for _, v in got[f"m{i}"]) for i, name in enumerate(metrics)}

    def series(self, metrics: Sequence[str], start: datetime, end: datetime, period_s: int) -> dict[str, list[Point]]:
        got = self._fetch(self._queries(metrics, period_s), start, end)
        return {name: got[f"m{i}"] for i, name in enumerate(metrics)}

    def percentile(self, metric: str, stat: str, start: datetime, end: datetime) -> float | None:
        try:
            got = self._fetch(self._queries([metric], period_for(end - start), stat), start, end)
        except LabError:
            return None  # a source without percentiles (moto) is not an error: the report says "n/a"
        values = [v for _, v in got["m0"]]
        return max(values) if values else None


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
