"""The named IAM actions each runtime identity gets on the table and the queues (least privilege)."""

from __future__ import annotations

# DynamoDB transactions are authorised per item action (Put/Update/Delete/ConditionCheckItem).
# Matched to api/adapters/dynamodb (seat_locks.py, bookings.py, catalog.py, outbox.py): transactions carry
# Put and Update items only; BatchGetItem is the consistent read of a hold's seats after conflicts (ADR 0012).
API_TABLE_ACTIONS: tuple[str, ...] = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
)
HOLD_EXPIRY_TABLE_ACTIONS: tuple[str, ...] = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem")
BOOKING_EVENTS_TABLE_ACTIONS: tuple[str, ...] = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
WORKER_TABLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "hold_expiry": HOLD_EXPIRY_TABLE_ACTIONS,
    "booking_events": BOOKING_EVENTS_TABLE_ACTIONS,
}
# The scheduled outbox sweeper reads pending events on GSI1, relays them, marks them sent.
OUTBOX_SWEEPER_HANDLER = "api.workers.outbox_sweeper.handler"
OUTBOX_SWEEPER_TABLE_ACTIONS: tuple[str, ...] = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem")
# The API and the sweeper only produce messages; the workers consume through their event source mappings.
API_QUEUE_ACTIONS: tuple[str, ...] = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
# Workers that need the confirmation signing key (read from Secrets Manager at cold start).
WORKERS_WITH_SIGNING_KEY: frozenset[str] = frozenset({"booking_events"})
