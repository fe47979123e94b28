// #/shows/{id} : the live seat map (polled every 2 s), seat selection and the hold.

import { api } from "../api.js";
import { startCountdown } from "../countdown.js";
import { createSeatGrid, legend } from "../seatgrid.js";
import { activeHoldFor, forgetHold, rememberHold } from "../store.js";
import { holdThroughLine, inLineBox, inLineText } from "../waiting.js";
import {
  announce, bySeat, clearBanner, clock, dateTime, errorBox, h, money, pageHeading, seatList, showBanner,
} from "../ui.js";

const POLL_MS = 2000;
const MAX_SEATS = 10;
const TAKEN_GRACE_MS = 5000; // how long a 409's "taken" wins over an older seat map snapshot

/** @typedef {import("../api.js").ApiError} ApiError */
/** @typedef {import("../types.js").SeatDisplayState} SeatDisplayState */

/**
 * @param {HTMLElement} main
 * @param {string[]} params
 * @param {import("../types.js").RouteContext} ctx
 */
export async function render(main, [showId], { signal }) {
  const [show, seatMap] = await Promise.all([api.show(showId, signal), api.seats(showId, signal)]);
  const movie = await api.movie(show.movie_id, signal);
  const status = new Map(seatMap.seats.map((s) => [s.id, s.status]));
  /** @type {Set<string>} */
  const selected = new Set();
  /** @type {Map<string, number>} */
  const taken = new Map(); // seat id -> time we learned it was taken
  let mine = activeHoldFor(showId);
  let holding = false;
  let pollBanner = false;
  /** @type {(() => void) | null} */
  let stopMineCountdown = null;

  /** @param {string} id @returns {SeatDisplayState} */
  const stateOf = (id) => {
    if (mine && mine.seat_ids.includes(id) && status.get(id) === "held") return "mine";
    if (taken.has(id)) return "taken";
    const s = /** @type {import("../types.js").SeatStatus} */ (status.get(id));
    if (s !== "available") return s;
    return selected.has(id) ? "selected" : "available";
  };
  const grid = createSeatGrid(seatMap.seats, { onToggle: toggle, onBlocked: blocked });
  const counts = h("p", { class: "counts", "aria-live": "off" });
  const message = h("div", { class: "panel-message" });
  const panelBody = h("div", { class: "panel-body", tabindex: "-1" });

  /** @param {string} id */
  function toggle(id) {
    if (mine) {
      say(h("p", { class: "hint" }, "You already hold seats for this show. Continue to checkout or release them first."));
      return;
    }
    if (selected.has(id)) {
      selected.delete(id);
      announce(`Seat ${id} removed. ${selected.size} selected.`);
    } else if (selected.size >= MAX_SEATS) {
      announce(`You can hold up to ${MAX_SEATS} seats at a time.`);
      say(h("p", { class: "hint" }, `You can hold up to ${MAX_SEATS} seats at a time.`));
      return;
    } else {
      selected.add(id);
      announce(`Seat ${id} selected. ${selected.size} selected.`);
    }
    message.replaceChildren();
    paint();
  }

  /** @param {string} id @param {SeatDisplayState} state */
  function blocked(id, state) {
    const why = state === "mine" ? "is already held by you" : state === "booked" ? "is booked" : "is not available";
    announce(`Seat ${id} ${why}.`);
  }

  /** @param {Node} node */
  function say(node) {
    message.replaceChildren(node);
  }

  function paint() {
    grid.paint(stateOf);
    /** @type {Record<string, number>} */
    const c = { available: 0, held: 0, booked: 0 };
    /** @type {Record<string, string>} */
    const bucket = { selected: "available", taken: "held", mine: "held" }; // count what the map shows
    for (const id of status.keys()) {
      const state = stateOf(id);
      c[bucket[state] || state] = (c[bucket[state] || state] || 0) + 1;
    }
    counts.textContent = `${c.available} available · ${c.held} held · ${c.booked} booked`;
    renderPanel();
  }

  let panelKey = "";

  function renderPanel() {
    // rebuild only on a real change: a rebuild on every poll would steal keyboard focus
    const key = JSON.stringify([mine && mine.hold_id, [...selected].sort(bySeat), holding]);
    if (key === panelKey) return;
    panelKey = key;
    const hadFocus = panelBody.contains(document.activeElement);
    buildPanel();
    if (hadFocus) (/** @type {HTMLElement | null} */ (panelBody.querySelector("button:not([disabled]), a")) || panelBody).focus();
  }

  function buildPanel() {
    if (stopMineCountdown) stopMineCountdown();
    stopMineCountdown = null;
    if (mine) {
      const left = h("strong", { class: "mono" });
      stopMineCountdown = startCountdown(mine.deadline, (s) => (left.textContent = clock(s)), () => {
        mine = null;
        paint();
      });
      panelBody.replaceChildren(
        h("p", {}, "You are holding ", h("strong", {}, seatList(mine.seat_ids)), " for ", left, "."),
        h("a", { class: "btn btn-primary btn-block", href: `#/holds/${encodeURIComponent(mine.hold_id)}` }, "Continue to checkout"),
        h("button", { type: "button", class: "btn btn-ghost btn-block", onclick: release }, "Release these seats"),
      );
      return;
    }
    const ids = [...selected].sort(bySeat);
    const total = ids.length * show.price_cents;
    panelBody.replaceChildren(
      ids.length
        ? h("ul", { class: "chips", "aria-label": "Selected seats" }, ids.map((id) => h("li", { class: "chip" }, id)))
        : h("p", { class: "hint" }, "Choose up to 10 seats on the map."),
      h(
        "dl",
        { class: "totals" },
        h("dt", {}, `${ids.length} × ${money(show.price_cents, show.currency)}`),
        h("dd", {}, money(total, show.currency)),
      ),
      h(
        "button",
        { type: "button", class: "btn btn-primary btn-block", id: "hold-button", disabled: !ids.length || holding, onclick: hold },
        holding ? "Holding your seats…" : ids.length ? `Hold ${ids.length} seat${ids.length > 1 ? "s" : ""}` : "Hold seats",
      ),
      h("p", { class: "fineprint" }, "We keep held seats for you for a few minutes while you check out."),
    );
  }

  async function hold() {
    if (holding || !selected.size) return;
    holding = true;
    message.replaceChildren();
    paint();
    const ids = [...selected].sort(bySeat);
    try {
      const { data } = await holdThroughLine(showId, ids, (place) => {
        say(inLineBox(place));
        announce(inLineText(place));
      }, signal);
      rememberHold(data);
      announce(`Seats ${seatList(data.seat_ids)} held.`);
      location.hash = `#/holds/${encodeURIComponent(data.hold_id)}`;
      return;
    } catch (caught) {
      const err = /** @type {ApiError} */ (caught);
      if (err.name === "AbortError") return; // left the page while in line
      message.replaceChildren();
      if (err.code === "seats_unavailable") {
        const gone = /** @type {string[]} */ (err.details.seat_ids || []).filter((id) => status.has(id));
        for (const id of gone) {
          taken.set(id, Date.now());
          selected.delete(id);
        }
        const kept = [...selected];
        const lost = `Sorry, seat${gone.length > 1 ? "s" : ""} ${seatList(gone)} ${gone.length > 1 ? "were" : "was"} just taken by someone else.`;
        const next = kept.length
          ? `Your other seat${kept.length > 1 ? "s" : ""} (${seatList(kept)}) ${kept.length > 1 ? "are" : "is"} still selected: hold ${kept.length > 1 ? "them" : "it"} or add another seat.`
          : "Please pick another seat.";
        say(errorBox({ message: `${lost} ${next}`, requestId: err.requestId, code: err.code }, { title: "Seat taken" }));
        announce(`${lost} ${next}`);
      } else if (err.isOutage) {
        showBanner(err, hold);
      } else {
        say(errorBox(err, { title: "Could not hold these seats" }));
      }
    } finally {
      holding = false;
      paint();
    }
  }

  async function release() {
    const held = /** @type {import("../types.js").HeldSeats} */ (mine);
    try {
      await api.releaseHold(held.hold_id);
    } catch (caught) {
      const err = /** @type {ApiError} */ (caught);
      if (err.isOutage) {
        showBanner(err, release);
        return;
      }
    }
    forgetHold(held.hold_id);
    mine = null;
    announce(`Seats ${seatList(held.seat_ids)} released.`);
    await refresh();
  }

  async function refresh() {
    let fresh;
    try {
      fresh = await api.seats(showId, signal);
    } catch (caught) {
      const err = /** @type {ApiError} */ (caught);
      if (err.name === "AbortError") return;
      if (err.isOutage && !pollBanner) {
        pollBanner = true;
        showBanner({ ...err, message: "Live seat updates paused: we can't reach the booking service." }, refresh);
      }
      return;
    }
    if (pollBanner) {
      pollBanner = false;
      clearBanner();
    }
    const now = Date.now();
    /** @type {string[]} */
    const lost = [];
    for (const seat of fresh.seats) {
      status.set(seat.id, seat.status);
      if (taken.has(seat.id) && (seat.status !== "available" || now - /** @type {number} */ (taken.get(seat.id)) > TAKEN_GRACE_MS)) {
        taken.delete(seat.id);
      }
      if (selected.has(seat.id) && seat.status !== "available") {
        selected.delete(seat.id);
        lost.push(seat.id);
      }
    }
    if (mine && mine.deadline <= now) mine = null;
    if (lost.length) {
      const text = `Seat${lost.length > 1 ? "s" : ""} ${seatList(lost)} ${lost.length > 1 ? "were" : "was"} just taken by someone else and removed from your selection.`;
      say(errorBox({ message: text }, { title: "Seat taken", tone: "warning" }));
      announce(text);
    }
    paint();
  }

  main.replaceChildren(
    h("a", { class: "back-link", href: `#/movies/${encodeURIComponent(movie.id)}` }, `← ${movie.title} showtimes`),
    h(
      "header",
      { class: "page-head" },
      pageHeading(`Choose your seats`, { title: `Seats · ${movie.title}` }),
      h("p", { class: "meta" }, h("strong", {}, movie.title), h("span", {}, dateTime(show.starts_at)), h("span", {}, show.screen)),
    ),
    h(
      "div",
      { class: "seat-layout" },
      h(
        "section",
        { class: "seat-stage card", "aria-labelledby": "map-heading" },
        h("h2", { id: "map-heading", class: "sr-only" }, "Seat map"),
        h("div", { class: "screen", "aria-hidden": "true" }, h("span", {}, "Screen")),
        h("div", { class: "seat-scroller" }, grid.element),
        legend(),
        counts,
      ),
      h(
        "aside",
        { class: "summary card", "aria-labelledby": "summary-heading" },
        h("h2", { id: "summary-heading", class: "panel-title" }, "Your seats"),
        h("p", { class: "fineprint" }, `${movie.title} · ${dateTime(show.starts_at)} · ${show.screen}`),
        message,
        panelBody,
      ),
    ),
  );
  paint();

  const timer = setInterval(() => {
    if (!document.hidden) refresh();
  }, POLL_MS);
  return () => {
    clearInterval(timer);
    if (stopMineCountdown) stopMineCountdown();
  };
}
