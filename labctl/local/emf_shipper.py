"""The local lab's stand-in for CloudWatch Logs' EMF extraction: tail log files, PutMetricData to moto.

On AWS, CloudWatch Logs turns every Embedded Metric Format line into metrics. Locally the API and the
worker write the same lines to the log files the supervisor keeps; this shipper follows those files
and sends each EMF line's metrics to the moto server's CloudWatch (and, with --log-group, the raw
lines to its CloudWatch Logs), so `labctl slo report --local` reads the same metrics as on AWS.

  python -m labctl.local.emf_shipper --endpoint-url http://127.0.0.1:PORT --file api.log [--file worker.log]
      [--log-group /labctl/local/app] [--interval 1] [--from-end] [--once]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient

MAX_DATUMS = 1000  # PutMetricData: at most 1000 metrics per call
MAX_LOG_EVENTS = 1000
# moto accepts any key; used only when no AWS credentials are configured (a local lab needs none)
LOCAL_KEY = "local"


def parse_emf(line: str) -> dict[str, Any] | None:
    """The EMF document on a log line, or None when the line is not EMF."""
    line = line.strip()
    if not line.startswith("{") or '"_aws"' not in line:
        return None
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    aws = doc.get("_aws") if isinstance(doc, dict) else None
    if not isinstance(aws, dict) or not isinstance(aws.get("CloudWatchMetrics"), list):
        return None
    parsed: dict[str, Any] = doc
    return parsed


def to_metric_data(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(namespace, MetricDatum) pairs of one EMF document: every metric under every dimension set."""
    ts = datetime.fromtimestamp(int(doc["_aws"].get("Timestamp", time.time() * 1000)) / 1000, UTC)
    out: list[tuple[str, dict[str, Any]]] = []
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        namespace = str(directive.get("Namespace", "aws-embedded-metrics"))
        dim_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics", []):
            name = metric.get("Name")
            value = doc.get(name)
            if name is None or value is None:
                continue  # EMF: a declared metric without a value is skipped, as CloudWatch does
            for dims in dim_sets:
                if any(k not in doc for k in dims):
                    continue
                datum: dict[str, Any] = {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": str(doc[k])} for k in dims],
                    "Timestamp": ts,
                    "Unit": metric.get("Unit", "None"),
                }
                if isinstance(value, list):
                    datum["Values"] = [float(v) for v in value]
                else:
                    datum["Value"] = float(value)
                if metric.get("StorageResolution") == 1:
                    datum["StorageResolution"] = 1
                out.append((namespace, datum))
    return out


@dataclass
class Tail:
    """New complete lines of a file since the last read (a partial last line waits for its newline)."""

    path: Path
    offset: int = 0

    def read_lines(self) -> tuple[list[str], int]:
        """(complete new lines, the offset after them); commit the offset once they are shipped."""
        try:
            with self.path.open("rb") as f:
                if f.seek(0, 2) < self.offset:
                    self.offset = 0  # truncated or replaced: start again
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return [], self.offset
        end = data.rfind(b"\n")
        if end < 0:
            return [], self.offset
        return data[: end + 1].decode("utf-8", errors="replace").splitlines(), self.offset + end + 1


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class Shipper:
    cloudwatch: CloudWatchClient
    tails: list[Tail]
    logs: CloudWatchLogsClient | None = None
    log_group: str | None = None
    shipped_lines: int = 0
    shipped_datums: int = 0
    _streams: set[str] = field(default_factory=set)

    def ship_once(self) -> int:
        """Ship every new EMF line of every file; returns the number of metric datums sent.

        A file's offset moves only after its lines were accepted, so a moto that is not up yet (or
        restarts) delays metrics instead of losing them.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        sent = 0
        for tail in self.tails:
            lines, next_offset = tail.read_lines()
            if not lines:
                continue
            try:
                self._ship_logs(tail.path.stem, lines)
                sent += self.ship_lines(lines)
            except (BotoCoreError, ClientError) as err:
                event = {"event": "emf_shipper_retry", "file": str(tail.path), "error": str(err)[:300]}
                print(json.dumps(event), file=sys.stderr, flush=True)
                continue
            tail.offset = next_offset
        return sent

    def ship_lines(self, lines: Iterable[str]) -> int:
        """PutMetricData for the EMF lines among `lines` (batched by namespace)."""
        by_ns: dict[str, list[dict[str, Any]]] = defaultdict(list)
        emf_lines = 0
        for line in lines:
            doc = parse_emf(line)
            if doc is None:
                continue
            emf_lines += 1
            for namespace, datum in to_metric_data(doc):
                by_ns[namespace].append(datum)
        sent = 0
        for namespace, data in by_ns.items():
            for chunk in _chunks(data, MAX_DATUMS):
                self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
                sent += len(chunk)
        # counted once accepted: a failed batch is retried whole and must not count twice in the summary
        self.shipped_lines += emf_lines
        self.shipped_datums += sent
        return sent

    def _ship_logs(self, stream: str, lines: list[str]) -> None:
        logs, group = self.logs, self.log_group
        if logs is None or group is None or not lines:
            return
        if stream not in self._streams:
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_group(logGroupName=group)
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            self._streams.add(stream)
        now = int(time.time() * 1000)
        events: list[Any] = [{"timestamp": now, "message": line} for line in lines if line.strip()]
        for chunk in _chunks(events, MAX_LOG_EVENTS):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=chunk)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m labctl.local.emf_shipper", description=__doc__.splitlines()[0])
    p.add_argument("--endpoint-url", required=True, help="moto server URL (CloudWatch and Logs)")
    p.add_argument("--file", action="append", type=Path, required=True, help="log file to follow (repeatable)")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--log-group", default=None, help="also copy every line to this CloudWatch Logs group")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--from-end", action="store_true", help="skip what the files hold already")
    p.add_argument("--once", action="store_true", help="ship what is there, print a summary, exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: poll the files until SIGTERM/SIGINT (or once with --once)."""
    import boto3

    args = _parse_args(argv)
    session = boto3.Session(region_name=args.region)
    if session.get_credentials() is None:  # moto accepts any key; a local lab needs no AWS profile
        session = boto3.Session(region_name=args.region, aws_access_key_id=LOCAL_KEY, aws_secret_access_key=LOCAL_KEY)
    cloudwatch = session.client("cloudwatch", endpoint_url=args.endpoint_url)
    logs = session.client("logs", endpoint_url=args.endpoint_url) if args.log_group else None
    tails = [Tail(f, f.stat().st_size if args.from_end and f.exists() else 0) for f in args.file]
    shipper = Shipper(cloudwatch, tails, logs, args.log_group)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while True:
        shipper.ship_once()
        if args.once or stop:
            break
        time.sleep(args.interval)
    for _ in range(3):  # whatever arrived while stopping; a failed batch gets a few bounded retries
        shipper.ship_once()
        if not any(t.read_lines()[0] for t in tails):
            break
        time.sleep(min(args.interval, 1.0))
    unshipped = sum(len(t.read_lines()[0]) for t in tails)
    summary = {
        "event": "emf_shipper_stopped",
        "lines": shipper.shipped_lines,
        "datums": shipper.shipped_datums,
        "unshipped_lines": unshipped,  # complete lines left unsent (all lines, EMF or not): 0 when drained
    }
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
