"""Usage-based cost of N requests to the lab, per billable resource found in the templates.

The per-request figures below are assumptions (stated in every estimate), not measurements.
"""

from __future__ import annotations

from typing import Any

from labctl.cost.model import Line, resources_of
from labctl.cost.prices import PriceTable
from labctl.cost.templates import Templates

GIB = 1024**3
BYTES_OUT_PER_REQUEST = 10 * 1024  # an API JSON response or a small static file
LOG_BYTES_PER_REQUEST = 1024  # one structured access-log line + EMF metrics
DDB_READ_UNITS_PER_REQUEST = 2.0  # seat map / show reads (eventually consistent)
DDB_WRITE_UNITS_PER_REQUEST = 0.5  # holds and bookings are transactions: 2 WRU per item
SQS_MESSAGES_PER_REQUEST = 0.1  # hold expiry + booking events
SQS_CALLS_PER_MESSAGE = 3  # send, receive, delete
API_LAMBDA_SECONDS = 0.05
WORKER_LAMBDA_SECONDS = 0.1
S3_GETS_PER_REQUEST = 0.05  # CloudFront cache misses on the web bucket
ALB_NEW_CONNECTIONS_PER_LCU_SECOND = 25
ALB_GB_PER_LCU_HOUR = 1.0

ASSUMPTIONS = [
    f"each request: {BYTES_OUT_PER_REQUEST // 1024} KiB out through CloudFront, "
    f"{LOG_BYTES_PER_REQUEST // 1024} KiB of logs, {DDB_READ_UNITS_PER_REQUEST:g} DynamoDB read and "
    f"{DDB_WRITE_UNITS_PER_REQUEST:g} write request units, {SQS_MESSAGES_PER_REQUEST:g} SQS messages "
    f"({SQS_CALLS_PER_MESSAGE} API calls each)",
    f"Lambda: API {API_LAMBDA_SECONDS * 1000:.0f} ms and worker {WORKER_LAMBDA_SECONDS * 1000:.0f} ms per "
    "invocation at the memory in the template; one worker invocation per message",
    "ALB LCUs: one new connection per request (no keep-alive), the larger of the connection and "
    "processed-bytes dimensions",
]


def _line(prices: PriceTable, kind: str, lid: str, stack: str, key: str, qty: float, free: str | None = None) -> Line:
    price = prices[key]
    return Line(kind, lid, stack, price.unit, qty, qty * price.usd, key, "usage", free)


def _free(prices: PriceTable, key: str, fits: bool) -> str | None:
    return prices[key].free_tier if fits else None


def _function_memory_gb(props: dict[str, Any]) -> tuple[float, str]:
    arch = "arm" if props.get("Architectures") == ["arm64"] else "x86"
    return int(props.get("MemorySize", 128)) / 1024, arch


def usage_lines(templates: Templates, prices: PriceTable, requests: int, ttl_hours: float) -> list[Line]:
    """Cost lines of `requests` requests spread over `ttl_hours`."""
    n = float(requests)
    lines: list[Line] = []
    gb_out = n * BYTES_OUT_PER_REQUEST / GIB
    cloudfront = "AWS::CloudFront::Distribution"
    for stack, lid, _ in resources_of(templates, cloudfront):
        # one free-tier note for both lines: the always-free tier covers requests and bytes together
        free = _free(prices, "cloudfront_10k_https_requests", n <= 10_000_000 and gb_out <= 1024)
        for key, qty in (("cloudfront_10k_https_requests", n / 10_000), ("cloudfront_gb_out", gb_out)):
            lines.append(_line(prices, cloudfront, lid, stack, key, qty, free))
    for stack, lid, _ in resources_of(templates, "AWS::WAFv2::WebACL"):
        lines.append(_line(prices, "AWS::WAFv2::WebACL", lid, stack, "waf_million_requests", n / 1e6))
    for stack, lid, props in resources_of(templates, "AWS::ElasticLoadBalancingV2::LoadBalancer"):
        if props.get("Type", "application") == "application":
            by_connections = n / ALB_NEW_CONNECTIONS_PER_LCU_SECOND / 3600
            lcu_hours = max(by_connections, gb_out / ALB_GB_PER_LCU_HOUR)
            lines.append(
                _line(prices, "AWS::ElasticLoadBalancingV2::LoadBalancer", lid, stack, "alb_lcu_hour", lcu_hours)
            )
    for stack, lid, props in resources_of(templates, "AWS::ApiGatewayV2::Api"):
        if props.get("ProtocolType") == "HTTP":
            lines.append(_line(prices, "AWS::ApiGatewayV2::Api", lid, stack, "http_api_million_requests", n / 1e6))
    lines += _lambda_lines(templates, prices, n)
    for stack, lid, props in resources_of(templates, "AWS::DynamoDB::Table"):
        if props.get("BillingMode") == "PAY_PER_REQUEST":
            kind = "AWS::DynamoDB::Table"
            lines.append(_line(prices, kind, lid, stack, "dynamodb_million_rru", n * DDB_READ_UNITS_PER_REQUEST / 1e6))
            lines.append(_line(prices, kind, lid, stack, "dynamodb_million_wru", n * DDB_WRITE_UNITS_PER_REQUEST / 1e6))
    queues = [q for q in resources_of(templates, "AWS::SQS::Queue") if "RedrivePolicy" in q[2]]
    calls = n * SQS_MESSAGES_PER_REQUEST * SQS_CALLS_PER_MESSAGE
    for stack, lid, _ in queues:  # DLQs see no traffic while the lab is healthy
        free = _free(prices, "sqs_million_requests", calls <= 1e6)
        lines.append(
            _line(prices, "AWS::SQS::Queue", lid, stack, "sqs_million_requests", calls / len(queues) / 1e6, free)
        )
    log_gb = n * LOG_BYTES_PER_REQUEST / GIB
    free = _free(prices, "cw_logs_ingest_gb", log_gb <= 5)
    lines.append(_line(prices, "AWS::Logs::LogGroup", "(all log groups)", "*", "cw_logs_ingest_gb", log_gb, free))
    for stack, lid, props in resources_of(templates, "AWS::S3::Bucket"):
        if "WebsiteConfiguration" in props or "Web" in lid:
            lines.append(_line(prices, "AWS::S3::Bucket", lid, stack, "s3_1k_get", n * S3_GETS_PER_REQUEST / 1000))
    return lines


def _lambda_lines(templates: Templates, prices: PriceTable, n: float) -> list[Line]:
    """The API function (behind the HTTP API) runs per request; workers per SQS message."""
    api_ids = {
        props.get("IntegrationUri", {}).get("Fn::GetAtt", [""])[0]
        for _, _, props in resources_of(templates, "AWS::ApiGatewayV2::Integration")
        if isinstance(props.get("IntegrationUri"), dict)
    }
    worker_ids = {
        props["FunctionName"].get("Ref", "")
        for _, _, props in resources_of(templates, "AWS::Lambda::EventSourceMapping")
        if isinstance(props.get("FunctionName"), dict)
    }
    workers = [w for w in resources_of(templates, "AWS::Lambda::Function") if w[1] in worker_ids]
    runs: list[tuple[str, str, float, float, str]] = []  # stack, id, invocations, GB-s, arch
    for stack, lid, props in resources_of(templates, "AWS::Lambda::Function"):
        gb, arch = _function_memory_gb(props)
        if lid in api_ids:
            runs.append((stack, lid, n, n * API_LAMBDA_SECONDS * gb, arch))
        elif lid in worker_ids:
            calls = n * SQS_MESSAGES_PER_REQUEST / len(workers)
            runs.append((stack, lid, calls, calls * WORKER_LAMBDA_SECONDS * gb, arch))
    total_calls = sum(r[2] for r in runs)
    total_gbs = sum(r[3] for r in runs)
    fits = total_calls <= 1e6 and total_gbs <= 400_000
    lines = []
    for stack, lid, calls, gbs, arch in runs:
        free = _free(prices, "lambda_million_requests", fits)
        lines.append(_line(prices, "AWS::Lambda::Function", lid, stack, "lambda_million_requests", calls / 1e6, free))
        lines.append(_line(prices, "AWS::Lambda::Function", lid, stack, f"lambda_gb_second_{arch}", gbs, free))
    return lines
