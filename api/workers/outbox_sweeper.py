"""Scheduled Lambda handler (EventBridge, every minute): relay outbox events the API could not send.

The API relays each booking event right after its commit; this catches the ones left pending by an
SQS outage or a crash between commit and send (ADR 0011). The local worker runs the same sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.environment import environment
from api.workers.batch import count, make_logger, make_metrics

logger = make_logger("outbox-sweeper")
metrics = make_metrics("outbox-sweeper")

OLDER_THAN_SECONDS = 5.0  # younger items are the API's own post-commit relay, still in flight
MAX_EVENTS = 5000  # per invocation: bounded work, the next schedule continues


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Relay pending outbox events older than a few seconds; return how many were sent."""
    env = environment()
    outbox = env.services.outbox
    if outbox is None:
        logger.warning("outbox_sweeper_not_configured", extra={"hint": "set BOOKING_EVENTS_QUEUE_URL"})
        return {"relayed": 0}
    relayed = env.run(outbox.sweep(older_than_seconds=OLDER_THAN_SECONDS, max_events=MAX_EVENTS))
    count(metrics, "OutboxEventsRelayed", relayed)
    return {"relayed": relayed}
