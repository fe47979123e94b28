// Per-tab memory (sessionStorage): my holds with their local deadline and token, the checkout draft,
// the idempotency key of a booking attempt (so a reload or retry never books twice), and my bookings'
// tokens. Tokens are capabilities: they stay in this tab (sessionStorage, never localStorage or a URL).

/** @typedef {import("./types.js").StoredState} StoredState */
/** @typedef {import("./types.js").HeldSeats} HeldSeats */
/** @typedef {import("./types.js").CheckoutDraft} CheckoutDraft */
/** @typedef {import("./types.js").BookingAttempt} BookingAttempt */

const KEY = "marquee.v1";

/** @returns {StoredState} */
function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null") || {};
  } catch {
    return {};
  }
}

/** @param {StoredState} state */
function save(state) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // storage full or disabled: the UI still works, it just forgets on reload
  }
}

/** @param {(state: StoredState) => void} fn */
function update(fn) {
  const state = load();
  fn(state);
  save(state);
}

/**
 * Remember a fresh hold; the deadline is local time so clock skew with the server does not matter.
 * @param {import("./types.js").Hold} hold
 */
export function rememberHold(hold) {
  update((s) => {
    s.holds = s.holds || {};
    s.holds[hold.hold_id] = {
      hold_id: hold.hold_id,
      show_id: hold.show_id,
      seat_ids: hold.seat_ids,
      ttl_seconds: hold.ttl_seconds,
      deadline: Date.now() + hold.ttl_seconds * 1000,
      hold_token: hold.hold_token,
    };
  });
}

/** @param {string} holdId @returns {string | null} the hold's token, if this tab made the hold */
export function holdToken(holdId) {
  return heldById(holdId)?.hold_token || null;
}

/** @param {import("./types.js").Booking} booking a booking as its request answered it (with its token) */
export function rememberBooking(booking) {
  if (!booking.booking_token) return;
  const token = booking.booking_token;
  update((s) => {
    s.bookings = s.bookings || {};
    s.bookings[booking.booking_id] = token;
  });
}

/** @param {string} bookingId @returns {string | null} */
export function bookingToken(bookingId) {
  return (load().bookings || {})[bookingId] || null;
}

/** @param {string} holdId @returns {HeldSeats | null} */
export function heldById(holdId) {
  return (load().holds || {})[holdId] || null;
}

/**
 * My still-running hold on a show, if any.
 * @param {string} showId
 * @returns {HeldSeats | null}
 */
export function activeHoldFor(showId) {
  const now = Date.now();
  return Object.values(load().holds || {}).find((h) => h.show_id === showId && h.deadline > now) || null;
}

/** @param {string} holdId */
export function forgetHold(holdId) {
  update((s) => {
    if (s.holds) delete s.holds[holdId];
    if (s.attempts) delete s.attempts[holdId];
  });
}

/** @returns {CheckoutDraft} */
export function draft() {
  return load().draft || { name: "", email: "", token: "tok_visa" };
}

/** @param {CheckoutDraft} values */
export function saveDraft(values) {
  update((s) => {
    s.draft = values;
  });
}

/**
 * The in-progress booking attempt of a hold: {body, key}. Same body -> same Idempotency-Key.
 * @param {string} holdId
 * @returns {BookingAttempt | null}
 */
export function attempt(holdId) {
  return (load().attempts || {})[holdId] || null;
}

/** @param {string} holdId @param {BookingAttempt} value */
export function saveAttempt(holdId, value) {
  update((s) => {
    s.attempts = s.attempts || {};
    s.attempts[holdId] = value;
  });
}
