// The shapes the UI works with, as JSDoc types for `tsc --checkJs` (make web-lint). Nothing here runs:
// no module imports this file at run time; others name its types with `import("./types.js").Movie`.
// API shapes mirror the response models in api/http/schemas.py; add a typedef next to its kin when the
// API grows (one per response model), and widen a union here when the API adds a status.

/**
 * @typedef {object} Movie
 * @property {string} id
 * @property {string} title
 * @property {string} synopsis
 * @property {number} duration_minutes
 * @property {string} rating
 * @property {string[]} genres
 */

/**
 * @typedef {object} Show
 * @property {string} id
 * @property {string} movie_id
 * @property {string} screen
 * @property {string} starts_at ISO 8601
 * @property {number} price_cents
 * @property {string} currency
 * @property {number} seats_total
 * @property {number} seats_available
 */

/** @typedef {"available" | "held" | "booked"} SeatStatus */

/**
 * @typedef {object} Seat
 * @property {string} id e.g. "C7"
 * @property {string} row
 * @property {number} number
 * @property {SeatStatus} status
 */

/**
 * @typedef {object} SeatMap
 * @property {string} show_id
 * @property {Seat[]} seats
 * @property {{available: number, held: number, booked: number}} counts
 */

/** @typedef {"active" | "booked" | "expired" | "released"} HoldStatus */

/**
 * @typedef {object} Hold
 * @property {string} hold_id
 * @property {string} show_id
 * @property {string[]} seat_ids
 * @property {HoldStatus} status
 * @property {string} expires_at ISO 8601
 * @property {number} ttl_seconds
 * @property {string | null} [booking_id] shown to the hold's holder only
 * @property {string} [hold_token] only in the answer that created the hold: the right to book or release it
 */

/**
 * @typedef {object} Booking
 * @property {string} booking_id
 * @property {string} reference
 * @property {string} show_id
 * @property {string} hold_id
 * @property {string[]} seat_ids
 * @property {number} total_cents
 * @property {string} currency
 * @property {string} status
 * @property {string} created_at
 * @property {{name: string, email: string}} customer
 * @property {{status: string, sent_at: string | null}} notification
 * @property {string} [booking_token] only in the answer to the booking request: the right to read it
 */

/**
 * @typedef {object} Notice The confirmation e-mail as sent.
 * @property {string} booking_id
 * @property {string} to
 * @property {string} subject
 * @property {string} text
 * @property {string} html
 * @property {string} sent_at
 */

/**
 * @template T
 * @typedef {object} Page
 * @property {T[]} items
 */

/**
 * @typedef {object} ErrorBody The API's error envelope: `{"error": ErrorBody}`.
 * @property {string} code stable snake_case code
 * @property {string} message
 * @property {Record<string, unknown>} [details]
 * @property {string} [request_id]
 */

/** @typedef {{hold_id: string, customer: {name: string, email: string}, payment: {token: string}}} BookingRequest */

// -- what the UI keeps (sessionStorage) -------------------------------------------------------------

/**
 * @typedef {object} HeldSeats A hold this tab made, with its local deadline (ms since the epoch).
 * @property {string} hold_id
 * @property {string} show_id
 * @property {string[]} seat_ids
 * @property {number} ttl_seconds
 * @property {number} deadline
 * @property {string} [hold_token] kept for this tab only (sessionStorage), sent as a Bearer token
 */

/** @typedef {{name: string, email: string, token: string}} CheckoutDraft */

/** @typedef {{body: string, key: string}} BookingAttempt the exact body sent and its Idempotency-Key */

/**
 * @typedef {object} StoredState
 * @property {Record<string, HeldSeats>} [holds]
 * @property {CheckoutDraft} [draft]
 * @property {Record<string, BookingAttempt>} [attempts]
 * @property {Record<string, string>} [bookings] booking id -> its token (this tab only)
 */

// -- views and widgets -------------------------------------------------------------------------------

/**
 * @typedef {object} RouteContext
 * @property {AbortSignal} signal aborted when the user navigates away
 * @property {() => Promise<void>} rerender
 */

/**
 * A view module: render(main, params, ctx) fills `main` and may return a cleanup function.
 * @typedef {object} View
 * @property {(main: HTMLElement, params: string[], ctx: RouteContext) => Promise<(() => void) | null | void>} render
 */

/** @typedef {"available" | "selected" | "held" | "booked" | "taken" | "mine"} SeatDisplayState */

/**
 * What errorBox and the banner show: an ApiError or the same fields for a local message.
 * @typedef {object} ErrorLike
 * @property {string} message
 * @property {string} [code]
 * @property {string} [requestId]
 */

export {};
