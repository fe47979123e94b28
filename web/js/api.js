// The only door to the booking API. Relative /api/... URLs so the same files work behind
// CloudFront (S3 origin + API origin) and from the app itself (WEB_DIR).

import { bookingToken, holdToken } from "./store.js";

/** @typedef {import("./types.js").ErrorBody} ErrorBody */

/** @param {string | null} token @returns {Record<string, string>} */
const bearer = (token) => (token ? { Authorization: `Bearer ${token}` } : {});

export class ApiError extends Error {
  /**
   * @param {{status: number, code: string, message: string, details?: Record<string, unknown>, requestId?: string}} fields
   */
  constructor({ status, code, message, details = {}, requestId = "" }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.requestId = requestId;
  }

  /** Network failure or a server-side failure: worth a "try again". */
  get isOutage() {
    return this.status === 0 || this.status >= 500;
  }
}

const OUTAGE_MESSAGE = "We can't reach the booking service right now.";

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [body] sent as JSON
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 */

/**
 * Call the API; resolve {data, status, headers} or reject with an ApiError (never a raw TypeError).
 * `data` is the parsed JSON body: its type is the caller's to state (`T`), as the API documents it.
 * @template [T=any]
 * @param {string} path under /api
 * @param {RequestOptions} [options]
 * @returns {Promise<{data: T, status: number, headers: Headers}>}
 */
export async function request(path, { method = "GET", body, headers = {}, signal } = {}) {
  /** @type {RequestInit & {headers: Record<string, string>}} */
  const init = {
    method,
    signal,
    cache: "no-store",
    headers: { Accept: "application/json", ...headers },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api${path}`, init);
  } catch (err) {
    if (/** @type {Error | null} */ (err)?.name === "AbortError") throw err;
    throw new ApiError({ status: 0, code: "network_error", message: OUTAGE_MESSAGE });
  }
  const requestId = res.headers.get("X-Request-Id") || "";
  /** @type {any} */
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch (err) {
      // a navigation that aborts the request while its body is still arriving is not an outage
      if (/** @type {Error | null} */ (err)?.name === "AbortError") throw err;
      data = null; // a proxy error page or a cut-off body, not our JSON
    }
  }
  if (res.ok && res.status !== 204 && data === null) {
    throw new ApiError({ status: 0, code: "network_error", message: OUTAGE_MESSAGE, requestId });
  }
  if (!res.ok) {
    /** @type {Partial<ErrorBody>} */
    const e = (data && data.error) || {};
    const fallback = res.status >= 500 ? OUTAGE_MESSAGE : `The service answered ${res.status}.`;
    throw new ApiError({
      status: res.status,
      code: e.code || `http_${res.status}`,
      message: e.message || fallback,
      details: e.details,
      requestId: e.request_id || requestId,
    });
  }
  return { data, status: res.status, headers: res.headers };
}

/**
 * GET and return the JSON body.
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<T>}
 */
export async function get(path, signal, headers = {}) {
  return (await request(path, { signal, headers })).data;
}

/** @type {Map<string, Promise<Movie>>} */
const movieCache = new Map(); // the catalog does not change while a page is open: fetch each movie once

/**
 * @param {string} id
 * @param {AbortSignal} [_signal] accepted for symmetry with the other calls, never used (see below)
 * @returns {Promise<Movie>}
 */
function cachedMovie(id, _signal) {
  if (!movieCache.has(id)) {
    // no abort signal: the promise is shared, one page's navigation must not cancel it for the next
    /** @type {Promise<Movie>} */
    const pending = get(`/movies/${encodeURIComponent(id)}`);
    movieCache.set(id, pending);
    pending.catch(() => movieCache.delete(id)); // never cache a failure
  }
  return /** @type {Promise<Movie>} */ (movieCache.get(id));
}

/** @typedef {import("./types.js").Movie} Movie */
/** @typedef {import("./types.js").Show} Show */
/** @typedef {import("./types.js").SeatMap} SeatMap */
/** @typedef {import("./types.js").Hold} Hold */
/** @typedef {import("./types.js").Booking} Booking */
/** @typedef {import("./types.js").Notice} Notice */
/** @typedef {import("./types.js").BookingRequest} BookingRequest */
/** @template T @typedef {import("./types.js").Page<T>} Page */

/** One typed function per API call: the views never build URLs themselves. */
export const api = {
  /** @param {AbortSignal} [signal] @returns {Promise<Page<Movie>>} */
  movies: (signal) => get("/movies", signal),
  movie: cachedMovie,
  /** @param {string} movieId @param {AbortSignal} [signal] @returns {Promise<Page<Show>>} */
  shows: (movieId, signal) => get(`/movies/${encodeURIComponent(movieId)}/shows`, signal),
  /** @param {string} id @param {AbortSignal} [signal] @returns {Promise<Show>} */
  show: (id, signal) => get(`/shows/${encodeURIComponent(id)}`, signal),
  /** @param {string} showId @param {AbortSignal} [signal] @returns {Promise<SeatMap>} */
  seats: (showId, signal) => get(`/shows/${encodeURIComponent(showId)}/seats`, signal),
  /** @param {string} id @param {AbortSignal} [signal] @returns {Promise<Hold>} */
  hold: (id, signal) => get(`/holds/${encodeURIComponent(id)}`, signal, bearer(holdToken(id))),
  /** @param {string} id @param {AbortSignal} [signal] @returns {Promise<Booking>} */
  booking: (id, signal) => get(`/bookings/${encodeURIComponent(id)}`, signal, bearer(bookingToken(id))),
  /** @param {string} id @param {AbortSignal} [signal] @returns {Promise<Notice>} */
  confirmation: (id, signal) =>
    get(`/bookings/${encodeURIComponent(id)}/confirmation`, signal, bearer(bookingToken(id))),
  /** @param {string} showId @param {string[]} seatIds @param {string} [ticket] the waiting room's, sent back */
  createHold: (showId, seatIds, ticket = "") =>
    /** @type {typeof request<Hold>} */ (request)(`/shows/${encodeURIComponent(showId)}/holds`, {
      method: "POST",
      body: { seat_ids: seatIds },
      headers: ticket ? { "X-Waiting-Room-Ticket": ticket } : {},
    }),
  /** @param {string} id */
  releaseHold: (id) =>
    request(`/holds/${encodeURIComponent(id)}`, { method: "DELETE", headers: bearer(holdToken(id)) }),
  /** @param {BookingRequest} body @param {string} idempotencyKey */
  book: (body, idempotencyKey) =>
    /** @type {typeof request<Booking>} */ (request)("/bookings", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": idempotencyKey, ...bearer(holdToken(body.hold_id)) },
    }),
};

/** A v4 UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
