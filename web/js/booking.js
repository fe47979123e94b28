// The booking request with its Idempotency-Key: one key per (hold, exact body). A retry of the same
// body reuses the key, so the server replays the first result instead of booking twice; a changed
// card or name is a new request and gets a new key.

import { ApiError, api, newIdempotencyKey } from "./api.js";
import { attempt, rememberBooking, saveAttempt } from "./store.js";

const IN_PROGRESS_RETRIES = 10;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Book the hold; resolve the booking or reject with an ApiError.
 * @param {string} holdId
 * @param {import("./types.js").CheckoutDraft} details
 * @returns {Promise<import("./types.js").Booking>}
 */
export async function book(holdId, { name, email, token }) {
  /** @type {import("./types.js").BookingRequest} */
  const body = { hold_id: holdId, customer: { name, email }, payment: { token } };
  const text = JSON.stringify(body);
  let current = attempt(holdId);
  if (!current || current.body !== text) {
    current = { body: text, key: newIdempotencyKey() };
    saveAttempt(holdId, current); // survives a reload: the retry after a reload is still the same request
  }
  for (let i = 0; ; i += 1) {
    try {
      const { data } = await api.book(body, current.key);
      rememberBooking(data); // its token reads the booking and its confirmation from this tab
      return data;
    } catch (err) {
      // the first attempt with this key is still running on the server (e.g. a slow bank): wait for it
      if (err instanceof ApiError && err.code === "idempotency_request_in_progress" && i < IN_PROGRESS_RETRIES) {
        await sleep(1000);
        continue;
      }
      throw err;
    }
  }
}
