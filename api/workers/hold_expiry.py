"""Lambda handler of the hold-expiry queue: tidy the stored state of holds whose time has passed.

Correctness never depends on it (reads treat an expired hold as free); it releases the hold and the
seats it still owns with conditional writes, so a seat re-held or booked meanwhile is never touched.
Idempotent: a second delivery finds the hold released and does nothing (HoldExpiryNoops).
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from api.bootstrap import Services
from api.environment import environment
from api.workers.batch import SqsBatch, count, make_logger, make_metrics, sqs_entry_point
from api.workers.messages import HoldExpiryMessage, parse_hold_expiry

logger = make_logger("hold-expiry")
metrics = make_metrics("hold-expiry")
processor = SqsBatch(logger, metrics)

OUTCOME_METRIC = {"expired": "HoldsExpired", "noop": "HoldExpiryNoops", "rescheduled": "HoldExpiryRescheduled"}


async def expire(services: Services, msg: HoldExpiryMessage) -> str:
    """Release the hold if still active and expired -> "expired"; else "noop" (or "rescheduled" if early)."""
    return (await services.holds.expire(msg.hold_id, msg.expires_at)).value


async def record_handler(record: SQSRecord) -> str:
    """One message: parse (PoisonMessage fails it alone), act, count the outcome."""
    msg = parse_hold_expiry(record.body)
    outcome = await expire(environment().services, msg)
    count(metrics, OUTCOME_METRIC[outcome])
    logger.info("hold_expiry", extra={"hold_id": msg.hold_id, "outcome": outcome, "message_id": record.message_id})
    return outcome


handler = sqs_entry_point(processor, record_handler)
