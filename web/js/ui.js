// Small DOM helpers shared by the views: element builder, status announcements, banners, formatting.

/** Build an element: h("a", {href: "#/", class: "x", onclick: fn}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") {
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Say something to screen-reader users through the polite live region. */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  // a fresh text node in the next frame makes repeated messages announce again
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/** The request id in small print, so a support ticket can point at the exact log line. */
export function requestIdNote(err) {
  return err && err.requestId ? h("small", { class: "request-id" }, `Request ID: ${err.requestId}`) : null;
}

/** An inline alert box for an API error, with optional action buttons. */
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

/** Full-width banner for "API down"; retry runs the failed action again. */
export function showBanner(err, onRetry) {
  const slot = document.getElementById("banner");
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
  document.getElementById("banner").replaceChildren();
}

export function money(cents, currency = "USD") {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
}

export function timeOf(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
}

export function longDate(date) {
  return date.toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" });
}

export function dateTime(iso) {
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" })}, ${timeOf(iso)}`;
}

/** YYYY-MM-DD of the viewer's local day (showtimes are grouped by the day the viewer sees). */
export function dayKey(date) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

export function duration(minutes) {
  const hrs = Math.floor(minutes / 60);
  return hrs ? `${hrs} h ${minutes % 60} min` : `${minutes} min`;
}

export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "A1, A2 and A3" */
export function seatList(ids) {
  const sorted = [...ids].sort(bySeat);
  if (sorted.length <= 1) return sorted.join("");
  return `${sorted.slice(0, -1).join(", ")} and ${sorted[sorted.length - 1]}`;
}

export function bySeat(a, b) {
  return a[0] === b[0] ? Number(a.slice(1)) - Number(b.slice(1)) : a.localeCompare(b);
}

/** A stable hue per movie for the generated poster art. */
export function hueOf(text) {
  let n = 0;
  for (const ch of text) n = (n * 31 + ch.charCodeAt(0)) % 360;
  return n;
}

export function poster(movie, size = "") {
  return h(
    "div",
    { class: `poster ${size}`, style: { "--h": String(hueOf(movie.id)) }, "aria-hidden": "true" },
    h("span", { class: "poster-rating" }, movie.rating),
    h("span", { class: "poster-title" }, movie.title),
  );
}

/** Set the page heading and title, and move focus there so screen readers start at the top. */
export function pageHeading(text, { title } = {}) {
  document.title = `${title || text} · Marquee`;
  return h("h1", { tabindex: "-1", class: "page-title" }, text);
}
