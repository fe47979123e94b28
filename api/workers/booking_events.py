"""Lambda handler of the booking-events queue: send (render and store) the confirmation notice.

Idempotent: NotificationService marks the booking notified with a conditional write, so a message
delivered twice sends one notice; the second delivery counts as DuplicateDeliveries.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import async_process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.bootstrap import Services
from api.environment import environment
from api.workers.batch import SqsBatch, count, make_logger, make_metrics
from api.workers.messages import BookingEventMessage, parse_booking_event

logger = make_logger("booking-events")
metrics = make_metrics("booking-events")
processor = SqsBatch(logger, metrics)

OUTCOME_METRIC = {"sent": "ConfirmationsSent", "duplicate": "DuplicateDeliveries"}


async def confirm(services: Services, msg: BookingEventMessage) -> str:
    """Send the booking's confirmation once -> "sent", or "duplicate" when it had been sent already.

    An unknown booking raises BookingNotFound: the event is written in the booking's own transaction,
    so that is a bug worth a dead letter, not something to skip.
    """
    result = await services.notifications.send_confirmation(msg.booking_id)
    return "sent" if result.sent else "duplicate"


async def record_handler(record: SQSRecord) -> str:
    """One message: parse (PoisonMessage fails it alone), act, count the outcome."""
    msg = parse_booking_event(record.body)
    outcome = await confirm(environment().services, msg)
    count(metrics, OUTCOME_METRIC[outcome])
    logger.info(
        "booking_event",
        extra={"booking_id": msg.booking_id, "event_id": msg.event_id, "outcome": outcome},
    )
    return outcome


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SQS event source entry point (ReportBatchItemFailures): returns the failed messageIds."""
    response = async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
