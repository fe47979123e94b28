"""Lambda handler of the booking-events queue: send (render and store) the confirmation notice.

Idempotent: NotificationService marks the booking notified with a conditional write, so a message
delivered twice sends one notice; the second delivery counts as DuplicateDeliveries.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from api.bootstrap import Services
from api.environment import environment
from api.workers.batch import SqsBatch, count, make_logger, make_metrics, sqs_entry_point
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


handler = sqs_entry_point(processor, record_handler)
