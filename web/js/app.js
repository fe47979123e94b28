// Hash router: deep links (#/movies/..., #/shows/...) work from S3 without server rewrites.

import { ApiError } from "./api.js";
import { clearBanner, errorBox, h, pageHeading, showBanner } from "./ui.js";
import * as movies from "./views/movies.js";
import * as showtimes from "./views/showtimes.js";
import * as seatmap from "./views/seatmap.js";
import * as checkout from "./views/checkout.js";
import * as confirmation from "./views/confirmation.js";

/** @typedef {import("./types.js").View} View */

/** @type {[RegExp, View][]} */
const ROUTES = [
  [/^\/?(?:movies)?\/?$/, movies],
  [/^\/movies\/([^/]+)(?:\/(\d{4}-\d{2}-\d{2}))?\/?$/, showtimes],
  [/^\/shows\/([^/]+)\/?$/, seatmap],
  [/^\/holds\/([^/]+)\/?$/, checkout],
  [/^\/bookings\/([^/]+)\/?$/, confirmation],
];

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {{controller: AbortController, cleanup: (() => void) | null} | null} */
let current = null;

/**
 * @param {string} path
 * @returns {{view: View, params: string[]} | null}
 */
function match(path) {
  for (const [pattern, view] of ROUTES) {
    const m = pattern.exec(path);
    // an optional group that did not match stays undefined (the showtimes day): that view checks
    if (m) return { view, params: m.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))) };
  }
  return null;
}

/** @param {string} message */
function notFound(message) {
  main.replaceChildren(
    h(
      "section",
      { class: "empty-state" },
      pageHeading("Page not found"),
      h("p", {}, message),
      h("a", { class: "btn btn-primary", href: "#/" }, "Browse movies"),
    ),
  );
}

async function render() {
  const raw = location.hash.replace(/^#/, "");
  if (raw && !raw.startsWith("/")) return; // an in-page anchor such as the skip link
  if (current) {
    current.controller.abort();
    if (current.cleanup) current.cleanup();
  }
  clearBanner();
  const controller = new AbortController();
  /** @type {{controller: AbortController, cleanup: (() => void) | null}} */
  const state = { controller, cleanup: null };
  current = state;
  const route = match(raw.split("?")[0] || "/");
  if (!route) {
    notFound("That address does not match any page of Marquee.");
    focusHeading();
    return;
  }
  main.setAttribute("aria-busy", "true");
  try {
    const cleanup = await route.view.render(main, route.params, { signal: controller.signal, rerender: render });
    if (current === state) state.cleanup = cleanup || null;
    else if (cleanup) cleanup(); // the user navigated away while we were loading
  } catch (err) {
    if (/** @type {Error | null} */ (err)?.name === "AbortError") return;
    if (current !== state) return;
    showError(err);
  } finally {
    if (current === state) main.removeAttribute("aria-busy");
  }
  if (current === state) focusHeading();
}

/** @param {unknown} err */
function showError(err) {
  if (!(err instanceof ApiError)) {
    console.error(err);
    main.replaceChildren(errorBox({ message: "Something went wrong on this page. Reload to try again." }));
    return;
  }
  if (err.isOutage) {
    main.replaceChildren(
      h("section", { class: "empty-state" }, pageHeading("Can't load this page"), h("p", {}, "Use Try again above.")),
    );
    showBanner(err, render);
    return;
  }
  if (err.status === 404) {
    notFound(err.message);
    return;
  }
  main.replaceChildren(errorBox(err, { title: "That did not work" }));
}

function focusHeading() {
  const heading = main.querySelector("h1");
  if (heading && document.activeElement !== heading) heading.focus({ preventScroll: true });
  window.scrollTo({ top: 0 });
}

document.addEventListener("click", (event) => {
  const skip = /** @type {Element} */ (event.target).closest("[data-skip]");
  if (!skip) return;
  event.preventDefault(); // keep the route in the hash
  main.focus();
});

window.addEventListener("hashchange", render);
render();
