"""What both SQS handlers share: Powertools Logger/Metrics set-up and a partial-batch processor that
logs each failed record with its stable error code and counts it (MessagesFailed).

The handlers are sync Lambda entry points. The records of a batch run concurrently, as Powertools'
AsyncBatchProcessor runs them, but on the execution environment's own event loop (where the
aiobotocore clients live) instead of a fresh loop per invocation.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.domain.errors import DomainError
from api.environment import environment
from api.workers.messages import PoisonMessage

# Read straight from the environment: these objects are module-level (built once per environment,
# before any settings object exists), as Powertools recommends.
NAMESPACE = os.environ.get("METRICS_NAMESPACE", "Labctl/Booking")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


def make_logger(service: str) -> Logger:
    """A JSON logger (stdout, like Lambda) for one handler."""
    return Logger(service=service, level=LOG_LEVEL)


def make_metrics(service: str) -> Metrics:
    """An EMF metrics emitter; flushed once per invocation by @metrics.log_metrics."""
    return Metrics(namespace=NAMESPACE, service=service)


def count(metrics: Metrics, name: str, value: int = 1) -> None:
    """Add value to a Count metric of this invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def error_code(exc: BaseException | None) -> str:
    """The stable snake_case code of a record failure (domain errors and poison messages carry one)."""
    if isinstance(exc, (DomainError, PoisonMessage)):
        return exc.code
    return "unexpected_error"


class SqsBatch(AsyncBatchProcessor):
    """Async batch processor (SQS): records run concurrently on the environment's loop; it never fails
    the whole invocation and reports every failed record."""

    def __init__(self, logger: Logger, metrics: Metrics) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.log = logger
        self.metrics = metrics

    def failure_handler(self, record: SQSRecord, exception: Any) -> Any:
        exc = exception[1]
        code = error_code(exc)
        extra = {
            "message_id": record.message_id,
            "code": code,
            "receive_count": record.attributes.approximate_receive_count,
            "error": str(exc),
        }
        if code == "unexpected_error":
            self.log.error("record_failed", extra=extra, exc_info=exception)
        else:
            self.log.warning("record_failed", extra=extra)
        count(self.metrics, "MessagesFailed")
        return super().failure_handler(record, exception)

    def async_process(self) -> list[Any]:
        async def all_records() -> list[Any]:
            return list(await asyncio.gather(*(self._async_process_record(r) for r in self.records)))

        return environment().run(all_records())


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def sqs_entry_point(processor: SqsBatch, record_handler: Callable[[SQSRecord], Awaitable[str]]) -> LambdaHandler:
    """The Lambda entry point of an SQS event source (ReportBatchItemFailures): one record_handler call
    per message, metrics flushed and the Lambda context logged once per invocation."""

    @processor.metrics.log_metrics
    @processor.log.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = async_process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return handler


def failed_ids(response: PartialItemFailureResponse) -> list[str]:
    """The messageIds a handler reported as failed."""
    return [str(f["itemIdentifier"]) for f in response.get("batchItemFailures", [])]
