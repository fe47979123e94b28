"""The one error vocabulary of the booking service.

Each error has a stable snake_case `code`; the same code appears in the HTTP error envelope,
in the structured log line, in labctl's --json output and in docs/api.md.
"""

from __future__ import annotations

import math
from typing import Any


class DomainError(Exception):
    """A business-rule failure the client can act on.

    `details` go to the client; `evidence` (what the answer was based on) only to the request's log line.
    """

    code = "domain_error"
    default_message = "The request could not be completed."
    retry_after_s: int | None = None  # sent as Retry-After: the failure is transient

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = details or {}
        self.evidence: dict[str, Any] = evidence or {}
        super().__init__(self.message)


class NotFound(DomainError):
    """The addressed resource does not exist."""


class Conflict(DomainError):
    """The request conflicts with the current state of a resource."""


class InvalidRequest(DomainError):
    """The request is well-formed JSON but breaks a rule (semantic validation)."""


class MovieNotFound(NotFound):
    code = "movie_not_found"
    default_message = "No movie has that id."


class ShowNotFound(NotFound):
    code = "show_not_found"
    default_message = "No show has that id."


class HoldNotFound(NotFound):
    code = "hold_not_found"
    default_message = "No hold has that id."


class BookingNotFound(NotFound):
    code = "booking_not_found"
    default_message = "No booking has that id."


class ConfirmationNotReady(NotFound):
    code = "confirmation_not_ready"
    default_message = "The confirmation notice has not been sent yet; try again in a moment."


class UnknownSeats(InvalidRequest):
    code = "unknown_seats"
    default_message = "Some seats do not exist in this show's screen."


class InvalidSeatSelection(InvalidRequest):
    code = "invalid_seat_selection"
    default_message = "Select between 1 and 10 distinct seats."


class SeatsUnavailable(Conflict):
    """Only for seats a live hold or a booking really covers: the buyer picks others on the strength of it."""

    code = "seats_unavailable"
    default_message = "Some of the selected seats are no longer available."

    def __init__(self, seat_ids: list[str], *, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(
            f"Seats {', '.join(seat_ids)} are no longer available.",
            details={"seat_ids": seat_ids},
            evidence=evidence,
        )
        self.seat_ids = seat_ids


class SeatLockContended(DomainError):
    """The seat locks stayed contended past the retries: nothing is known to be taken, so nothing is refused."""

    code = "seat_lock_contended"
    default_message = "Many people are choosing these seats right now; none of them is known to be taken."
    retry_after_s = 1

    def __init__(self, seat_ids: list[str], *, attempts: int, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(
            f"Seats {', '.join(seat_ids)} are being fought over right now; nothing was taken. Retry in a second.",
            details={"seat_ids": seat_ids, "attempts": attempts},
            evidence=evidence,
        )
        self.seat_ids = seat_ids


class HoldExpired(Conflict):
    code = "hold_expired"
    default_message = "The hold has expired; select the seats again."


class HoldAlreadyBooked(Conflict):
    code = "hold_already_booked"
    default_message = "This hold has already been booked."


class HoldReleased(Conflict):
    code = "hold_released"
    default_message = "This hold was released; select the seats again."


class IdempotencyKeyMissing(DomainError):
    code = "idempotency_key_missing"
    default_message = "POST /api/bookings needs an Idempotency-Key header (1-255 printable characters)."


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    default_message = "The Idempotency-Key header must be 1-255 printable ASCII characters."


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


class IdempotencyRequestInProgress(Conflict):
    code = "idempotency_request_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed; retry shortly."


class PaymentDeclined(DomainError):
    code = "payment_declined"
    default_message = "The payment was declined. Your seats are still held: try another card."


class DependencyUnavailable(DomainError):
    code = "dependency_unavailable"
    default_message = "A backing service is unavailable; retry shortly."
    retry_after_s = 1


class TooManyRequests(DomainError):
    """The hold path is saturated: the answer is a place in line or a refusal, at once (HTTP 429)."""


class WaitInLine(TooManyRequests):
    """A place in the waiting room: come back with the ticket after Retry-After (details say where you are)."""

    code = "waiting_room_queued"
    default_message = "Many people are holding seats right now: you are in line."

    def __init__(self, ticket: str, *, position: int, eta_s: float, retry_after_ms: int) -> None:
        super().__init__(
            f"You're in line: position {position}, about {max(1, math.ceil(eta_s))} s.",
            details={"ticket": ticket, "position": position, "eta_s": eta_s, "retry_after_ms": retry_after_ms},
        )
        self.retry_after_s = max(1, -(-retry_after_ms // 1000))


class WaitingRoomFull(TooManyRequests):
    """The line itself is full: no ticket, try again later."""

    code = "waiting_room_full"
    default_message = "The waiting room is full right now; try again in a little while."

    def __init__(self, *, line: int, retry_after_s: int) -> None:
        super().__init__(details={"line": line, "retry_after_ms": retry_after_s * 1000})
        self.retry_after_s = retry_after_s


class Unauthorized(DomainError):
    """The request needs a capability token it did not present (401, WWW-Authenticate: Bearer)."""


class Forbidden(DomainError):
    """The presented token does not grant this object (403)."""


class HoldTokenRequired(Unauthorized):
    code = "hold_token_required"
    default_message = "Send the hold's token as `Authorization: Bearer <hold_token>` (it came with the new hold)."


class HoldTokenInvalid(Forbidden):
    code = "hold_token_invalid"
    default_message = "The token presented is not this hold's token."


class BookingTokenRequired(Unauthorized):
    code = "booking_token_required"
    default_message = "Send the booking's token as `Authorization: Bearer <booking_token>` (it came with the booking)."


class BookingTokenInvalid(Forbidden):
    code = "booking_token_invalid"
    default_message = "The token presented is not this booking's token."


class ClientLimitReached(TooManyRequests):
    """A per-client limit (api/service/limits.py): wait `retry_after_s` seconds (429)."""

    def __init__(
        self, message: str | None = None, *, retry_after_s: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = max(1, retry_after_s)


class RateLimited(ClientLimitReached):
    code = "rate_limited"
    default_message = "Too many requests from this client; retry after the number of seconds in Retry-After."


class SeatCapReached(ClientLimitReached):
    code = "seat_cap_reached"
    default_message = "This client already holds the most seats one client may hold for this show."
