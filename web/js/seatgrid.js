// The seat map widget: real <button>s, one per seat, with labels, aria-pressed for the selection
// and arrow-key navigation (roving tabindex: one tab stop for the whole grid).

import { h } from "./ui.js";

/** @typedef {import("./types.js").Seat} Seat */
/** @typedef {import("./types.js").SeatDisplayState} SeatDisplayState */

/** @type {Record<SeatDisplayState, string>} */
const LABEL = {
  available: "available",
  selected: "available",
  held: "held",
  booked: "booked",
  taken: "just taken",
  mine: "held by you",
};

/**
 * @typedef {object} SeatGrid
 * @property {HTMLElement} element
 * @property {(stateOf: (id: string) => SeatDisplayState) => void} paint
 * @property {(id: string) => void} focusSeat
 */

/**
 * Build the grid; returns {element, paint(stateOf), focusSeat(id)}.
 * @param {Seat[]} seats
 * @param {{onToggle: (id: string) => void, onBlocked: (id: string, state: SeatDisplayState) => void}} handlers
 * @returns {SeatGrid}
 */
export function createSeatGrid(seats, { onToggle, onBlocked }) {
  /** @type {string[]} */
  const rows = [];
  /** @type {Map<string, Seat[]>} */
  const byRow = new Map();
  for (const seat of seats) {
    if (!byRow.has(seat.row)) {
      byRow.set(seat.row, []);
      rows.push(seat.row);
    }
    /** @type {Seat[]} */ (byRow.get(seat.row)).push(seat);
  }
  /** @type {Map<string, HTMLButtonElement>} */
  const buttons = new Map();
  const info = new Map(seats.map((s) => [s.id, s]));
  const matrix = rows.map((row) => /** @type {Seat[]} */ (byRow.get(row)).sort((a, b) => a.number - b.number));
  /** @type {string | null} */
  let focusable = matrix[0] && matrix[0][0] ? matrix[0][0].id : null;
  /** @type {Record<string, SeatDisplayState>} */
  let current = {};

  const rowEls = matrix.map((rowSeats, r) => {
    const aisleAfter = Math.floor(rowSeats.length / 2);
    const label = rows[r];
    return h(
      "div",
      { class: "seat-row", role: "group", "aria-label": `Row ${label}` },
      h("span", { class: "row-label", "aria-hidden": "true" }, label),
      rowSeats.map((seat, c) => {
        const btn = h(
          "button",
          {
            type: "button",
            class: `seat${c + 1 === aisleAfter ? " aisle" : ""}`,
            "data-seat": seat.id,
            tabindex: seat.id === focusable ? "0" : "-1",
            "aria-pressed": "false",
            onclick: () => (btn.getAttribute("aria-disabled") === "true" ? onBlocked(seat.id, current[seat.id]) : onToggle(seat.id)),
          },
          h("span", { class: "seat-num", "aria-hidden": "true" }, seat.number),
        );
        btn.dataset.r = String(r);
        btn.dataset.c = String(c);
        buttons.set(seat.id, btn);
        return btn;
      }),
      h("span", { class: "row-label", "aria-hidden": "true" }, label),
    );
  });

  const element = h(
    "div",
    { class: "seat-grid", role: "group", "aria-label": "Seat map, screen at the front", onkeydown: onKey },
    rowEls,
  );
  element.addEventListener("focusin", (event) => {
    const btn = /** @type {HTMLElement} */ (event.target).closest(".seat");
    if (btn instanceof HTMLElement) setFocusable(/** @type {string} */ (btn.dataset.seat));
  });

  /** @param {string} id */
  function button(id) {
    return /** @type {HTMLButtonElement} */ (buttons.get(id));
  }

  /** @param {string} id */
  function setFocusable(id) {
    if (focusable === id) return;
    if (focusable && buttons.has(focusable)) button(focusable).tabIndex = -1;
    focusable = id;
    button(id).tabIndex = 0;
  }

  /** @param {string} id */
  function focusSeat(id) {
    setFocusable(id);
    button(id).focus();
  }

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    const btn = /** @type {HTMLElement} */ (event.target).closest(".seat");
    if (!(btn instanceof HTMLElement)) return;
    let r = Number(btn.dataset.r);
    let c = Number(btn.dataset.c);
    switch (event.key) {
      case "ArrowRight": c += 1; break;
      case "ArrowLeft": c -= 1; break;
      case "ArrowDown": r += 1; break;
      case "ArrowUp": r -= 1; break;
      case "Home": c = 0; break;
      case "End": c = Infinity; break;
      default: return;
    }
    event.preventDefault();
    r = Math.max(0, Math.min(matrix.length - 1, r));
    c = Math.max(0, Math.min(matrix[r].length - 1, c));
    focusSeat(matrix[r][c].id);
  }

  /**
   * Apply each seat's display state: available | selected | held | booked | taken | mine.
   * @param {(id: string) => SeatDisplayState} stateOf
   */
  function paint(stateOf) {
    current = {};
    for (const [id, btn] of buttons) {
      const state = stateOf(id);
      current[id] = state;
      if (btn.dataset.state === state) continue; // touch the DOM only for seats that changed
      const seat = /** @type {Seat} */ (info.get(id));
      btn.dataset.state = state;
      btn.setAttribute("aria-label", `Row ${seat.row}, seat ${seat.number}, ${LABEL[state] || state}`);
      btn.setAttribute("aria-pressed", state === "selected" ? "true" : "false");
      if (state === "available" || state === "selected") btn.removeAttribute("aria-disabled");
      else btn.setAttribute("aria-disabled", "true");
    }
  }

  return { element, paint, focusSeat };
}

export function legend() {
  /** @param {SeatDisplayState} state @param {string} text */
  const item = (state, text) =>
    h("li", {}, h("span", { class: "seat seat-sample", "data-state": state, "aria-hidden": "true" }), text);
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    item("available", "Available"),
    item("selected", "Your selection"),
    item("mine", "Held by you"),
    item("held", "Held by others"),
    item("booked", "Booked"),
  );
}
