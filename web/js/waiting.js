// The waiting room on the hold path (ADR 0022): a 429 waiting_room_queued answer is a place in line,
// not a failure. Come back with the same ticket when the API says, until the hold is let in.

import { api } from "./api.js";
import { h } from "./ui.js";

/** @typedef {import("./api.js").ApiError} ApiError */
/** @typedef {{position: number, etaS: number}} Place */

/**
 * Hold the seats, waiting in line as long as the API asks; rejects with the API's error otherwise
 * (waiting_room_full included) or with an AbortError when `signal` fires.
 * @param {string} showId
 * @param {string[]} seatIds
 * @param {(place: Place) => void} onWait called with each new place in line
 * @param {AbortSignal} signal
 */
export async function holdThroughLine(showId, seatIds, onWait, signal) {
  let ticket = "";
  for (;;) {
    try {
      return await api.createHold(showId, seatIds, ticket);
    } catch (caught) {
      const err = /** @type {ApiError} */ (caught);
      if (err.code !== "waiting_room_queued") throw err;
      const details = err.details;
      ticket = String(details.ticket || "");
      onWait({ position: Number(details.position) || 1, etaS: Math.max(1, Math.ceil(Number(details.eta_s) || 0)) });
      await pause(Number(details.retry_after_ms) || 1000, signal);
    }
  }
}

/**
 * What the buyer sees while in line.
 * @param {Place} place
 */
export function inLineBox(place) {
  return h(
    "div",
    { class: "alert alert-info in-line", role: "status", "data-position": place.position },
    h("strong", { class: "alert-title" }, inLineText(place)),
    h("p", {}, "Many people are holding seats right now. Keep this page open: we hold your seats as soon as it's your turn."),
  );
}

/** @param {Place} place */
export function inLineText({ position, etaS }) {
  return `You're in line - position ${position}, about ${etaS} s`;
}

/**
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException("Left the page", "AbortError"));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new DOMException("Left the page", "AbortError"));
      },
      { once: true },
    );
  });
}
