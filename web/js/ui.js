// Small DOM helpers shared by the views: element builder, status announcements, banners, formatting.

/** @typedef {import("./types.js").ErrorLike} ErrorLike */

/**
 * A child of h(): a node, text (numbers too), nothing (null/undefined/false), or a list of those.
 * @typedef {Node | string | number | null | undefined | false | ChildList} Child
 */
/** @typedef {Child[]} ChildList */

/**
 * Attributes of h(): `on<event>` functions become listeners, `class`, `dataset` and a `style` object
 * are set as properties, `true` is an empty attribute, null/undefined/false leave it out.
 * @typedef {Record<string, unknown>} Attrs
 */

/**
 * Build an element: h("a", {href: "#/", class: "x", onclick: fn}, "text", child).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === "class") el.className = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") {
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, String(v));
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  const flat = /** @type {(Node | string | number | null | undefined | false)[]} */ (
    /** @type {unknown[]} */ (children).flat(Infinity)
  );
  for (const child of flat) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Say something to screen-reader users through the polite live region.
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  // a fresh text node in the next frame makes repeated messages announce again
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/**
 * The request id in small print, so a support ticket can point at the exact log line.
 * @param {ErrorLike | null | undefined} err
 */
export function requestIdNote(err) {
  return err && err.requestId ? h("small", { class: "request-id" }, `Request ID: ${err.requestId}`) : null;
}

/**
 * An inline alert box for an API error, with optional action buttons.
 * @param {ErrorLike | null | undefined} err
 * @param {{title?: string, actions?: HTMLElement[], tone?: "error" | "warning"}} [options]
 */
export function errorBox(err, { title, actions = [], tone = "error" } = {}) {
  return h(
    "div",
    { class: `alert alert-${tone}`, role: "alert", "data-error-code": err && err.code },
    title ? h("strong", { class: "alert-title" }, title) : null,
    h("p", {}, err ? err.message : ""),
    actions.length ? h("div", { class: "alert-actions" }, actions) : null,
    requestIdNote(err),
  );
}

/**
 * Full-width banner for "API down"; retry runs the failed action again.
 * @param {ErrorLike} err
 * @param {() => unknown} [onRetry]
 */
export function showBanner(err, onRetry) {
  const slot = /** @type {HTMLElement} */ (document.getElementById("banner"));
  slot.replaceChildren(
    h(
      "div",
      { class: "banner", role: "alert", "data-error-code": err.code },
      h("span", { class: "banner-icon", "aria-hidden": "true" }, "!"),
      h(
        "div",
        { class: "banner-text" },
        h("strong", {}, err.message),
        h("span", {}, " Nothing you entered is lost. Check your connection, then try again."),
        requestIdNote(err),
      ),
      onRetry
        ? h("button", { type: "button", class: "btn btn-light", onclick: () => { clearBanner(); onRetry(); } }, "Try again")
        : null,
    ),
  );
}

export function clearBanner() {
  /** @type {HTMLElement} */ (document.getElementById("banner")).replaceChildren();
}

/** @param {number} cents @param {string} [currency] */
export function money(cents, currency = "USD") {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
}

/** @param {string} iso */
export function timeOf(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
}

/** @param {Date} date */
export function longDate(date) {
  return date.toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" });
}

/** @param {string} iso */
export function dateTime(iso) {
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" })}, ${timeOf(iso)}`;
}

/**
 * YYYY-MM-DD of the viewer's local day (showtimes are grouped by the day the viewer sees).
 * @param {Date} date
 */
export function dayKey(date) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

/** @param {number} minutes */
export function duration(minutes) {
  const hrs = Math.floor(minutes / 60);
  return hrs ? `${hrs} h ${minutes % 60} min` : `${minutes} min`;
}

/** @param {number} seconds */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * "A1, A2 and A3"
 * @param {Iterable<string>} ids
 */
export function seatList(ids) {
  const sorted = [...ids].sort(bySeat);
  if (sorted.length <= 1) return sorted.join("");
  return `${sorted.slice(0, -1).join(", ")} and ${sorted[sorted.length - 1]}`;
}

/** Seat ids in row, then number order ("A2" before "A10"). @param {string} a @param {string} b */
export function bySeat(a, b) {
  return a[0] === b[0] ? Number(a.slice(1)) - Number(b.slice(1)) : a.localeCompare(b);
}

/**
 * A stable hue per movie for the generated poster art.
 * @param {string} text
 */
export function hueOf(text) {
  let n = 0;
  for (const ch of text) n = (n * 31 + ch.charCodeAt(0)) % 360;
  return n;
}

/** @param {import("./types.js").Movie} movie @param {string} [size] */
export function poster(movie, size = "") {
  return h(
    "div",
    { class: `poster ${size}`, style: { "--h": String(hueOf(movie.id)) }, "aria-hidden": "true" },
    h("span", { class: "poster-rating" }, movie.rating),
    h("span", { class: "poster-title" }, movie.title),
  );
}

/**
 * A movie's rating, running time and genres, then its synopsis: the same on its card and its page.
 * @param {import("./types.js").Movie} movie
 */
export function movieFacts(movie) {
  return [
    h(
      "p",
      { class: "meta" },
      h("span", { class: "badge" }, movie.rating),
      h("span", {}, duration(movie.duration_minutes)),
      h("span", {}, movie.genres.join(" · ")),
    ),
    h("p", { class: "synopsis" }, movie.synopsis),
  ];
}

/**
 * Set the page heading and title, and move focus there so screen readers start at the top.
 * @param {string} text
 * @param {{title?: string}} [options]
 */
export function pageHeading(text, { title } = {}) {
  document.title = `${title || text} · Marquee`;
  return h("h1", { tabindex: "-1", class: "page-title" }, text);
}
