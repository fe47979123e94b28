// #/holds/{id} : the hold countdown and the checkout form (idempotent booking request).

import { api, request } from "../api.js";
import { startCountdown } from "../countdown.js";
import { book } from "../booking.js";
import { draft, forgetHold, heldById, saveDraft } from "../store.js";
import { announce, clock, dateTime, errorBox, h, money, pageHeading, seatList } from "../ui.js";

const CARDS = [
  ["tok_visa", "Visa (succeeds)", "Visa ending 4242"],
  ["tok_chargeDeclined", "Card that declines", "The bank says no: try it to see how errors look"],
  ["tok_slow", "Slow bank (succeeds after a delay)", "Approved after a few seconds"],
];

/** @typedef {import("../api.js").ApiError} ApiError */
/** @typedef {import("../types.js").Hold} Hold */
/** @typedef {import("../types.js").CheckoutDraft} CheckoutDraft */

/**
 * Local deadline of a hold: ours if this tab made it, else the server's expiry corrected for clock skew.
 * @param {Hold} hold
 * @param {Headers} headers
 */
function deadlineOf(hold, headers) {
  const local = heldById(hold.hold_id);
  if (local) return local.deadline;
  const serverNow = Date.parse(headers.get("Date") || "") || Date.now();
  return Date.now() + (Date.parse(hold.expires_at) - serverNow);
}

/** @param {string} id @param {string} label @param {import("../ui.js").Attrs} attrs */
function field(id, label, attrs) {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, ...attrs }));
}

/**
 * @param {HTMLElement} main
 * @param {string[]} params
 * @param {import("../types.js").RouteContext} ctx
 */
export async function render(main, [holdId], { signal }) {
  const { data: hold, headers } = await /** @type {typeof request<Hold>} */ (request)(`/holds/${encodeURIComponent(holdId)}`, { signal });
  if (hold.status === "booked" && hold.booking_id) {
    location.replace(`#/bookings/${encodeURIComponent(hold.booking_id)}`);
    return null;
  }
  const show = await api.show(hold.show_id, signal);
  const movie = await api.movie(show.movie_id, signal);
  const total = hold.seat_ids.length * show.price_cents;
  const deadline = deadlineOf(hold, headers);
  const saved = draft();
  const message = h("div", { class: "form-message" });
  const timerText = h("span", { class: "timer-value mono" }, "–:––");
  const bar = h("span", { class: "timer-bar-fill" });
  const timer = h(
    "div",
    { class: "timer card", role: "timer", "aria-live": "off", "aria-label": "Time left to complete your booking" },
    h("span", { class: "timer-label" }, "Seats held for"),
    timerText,
    h("span", { class: "timer-bar", "aria-hidden": "true" }, bar),
  );
  const pickAgain = () => h("a", { class: "btn btn-primary", href: `#/shows/${encodeURIComponent(show.id)}` }, "Pick seats again");

  const cards = h(
    "fieldset",
    { class: "cards" },
    h("legend", {}, "Payment method ", h("span", { class: "fineprint" }, "(demo cards, nothing is charged)")),
    CARDS.map(([token, label, note]) =>
      h(
        "label",
        { class: "card-option" },
        h("input", { type: "radio", name: "token", value: token, checked: saved.token === token }),
        h("span", { class: "card-text" }, h("span", { class: "card-label" }, label), h("span", { class: "card-note" }, note)),
      ),
    ),
  );
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block btn-lg" }, `Pay ${money(total, show.currency)}`);
  const fields = h(
    "fieldset",
    { class: "form-fields" },
    h("legend", { class: "sr-only" }, "Your details and payment"),
    h("h2", { class: "panel-title" }, "Your details"),
    field("name", "Full name", { autocomplete: "name", required: true, maxlength: 100, value: saved.name }),
    field("email", "E-mail for your tickets", { type: "email", autocomplete: "email", required: true, maxlength: 254, value: saved.email }),
    cards,
    message,
    submit,
  );
  const form = h("form", { class: "checkout-form card", "aria-labelledby": "checkout-title", novalidate: false }, fields);
  /** @param {string} name */
  const input = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  /** @returns {CheckoutDraft} */
  const values = () => ({
    name: input("name").value.trim(),
    email: input("email").value.trim(),
    token: /** @type {HTMLInputElement | null} */ (form.querySelector("input[name=token]:checked"))?.value || "tok_visa",
  });
  form.addEventListener("input", () => saveDraft(values()));

  let stopCountdown = () => {};
  let expiredWhileBusy = false;
  let busy = false;

  /** @param {string} title @param {string} text */
  function endHold(title, text) {
    stopCountdown();
    forgetHold(hold.hold_id);
    fields.disabled = true; // keep every value visible; the draft is saved for the next hold
    timer.classList.add("timer-expired");
    timerText.textContent = "0:00";
    message.replaceChildren(errorBox({ message: text }, { title, actions: [pickAgain()], tone: "warning" }));
    announce(`${title}. ${text}`);
    /** @type {HTMLElement} */ (message.querySelector("a")).focus();
  }

  function released() {
    const many = hold.seat_ids.length > 1;
    return `Seat${many ? "s" : ""} ${seatList(hold.seat_ids)} ${many ? "were" : "was"} released`;
  }

  function expired() {
    const them = hold.seat_ids.length > 1 ? "them" : "it";
    endHold("Your hold expired", `${released()} so others can book ${them}. Your details are saved: pick seats again to continue.`);
  }

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    if (busy) return; // a double click never sends a second request
    if (!form.reportValidity()) return;
    const v = values();
    saveDraft(v);
    busy = true;
    submit.disabled = true;
    submit.textContent = v.token === "tok_slow" ? "Waiting for the bank…" : "Processing…";
    message.replaceChildren();
    try {
      const booking = await book(hold.hold_id, v);
      forgetHold(hold.hold_id);
      announce(`Booked. Your reference is ${booking.reference}.`);
      location.hash = `#/bookings/${encodeURIComponent(booking.booking_id)}`;
      return;
    } catch (err) {
      onBookingError(/** @type {ApiError} */ (err), v);
    } finally {
      busy = false;
      if (!fields.disabled) {
        submit.disabled = false;
        submit.textContent = `Pay ${money(total, show.currency)}`;
      }
    }
    if (expiredWhileBusy && !fields.disabled) expired();
  }

  /** @param {ApiError} err @param {CheckoutDraft} v */
  async function onBookingError(err, v) {
    switch (err.code) {
      case "payment_declined": {
        const retry = h("button", { type: "button", class: "btn btn-secondary", onclick: () => focusOtherCard(v.token) }, "Use another card");
        message.replaceChildren(errorBox(err, { title: "Payment declined", actions: [retry] }));
        announce(`Payment declined. ${err.message}`);
        return;
      }
      case "hold_expired":
        expired();
        return;
      case "hold_released":
        endHold("Your hold was released", `${released()}. Your details are saved: pick seats again to continue.`);
        return;
      case "hold_already_booked": {
        const again = await api.hold(hold.hold_id).catch(() => null);
        if (again && again.booking_id) location.hash = `#/bookings/${encodeURIComponent(again.booking_id)}`;
        else message.replaceChildren(errorBox(err, { title: "Already booked" }));
        return;
      }
      default:
        if (err.isOutage) {
          const retry = h("button", { type: "button", class: "btn btn-secondary", onclick: () => form.requestSubmit() }, "Try again");
          message.replaceChildren(
            errorBox(err, {
              title: "We couldn't confirm your booking",
              actions: [retry],
            }),
            h("p", { class: "fineprint" }, "Trying again is safe: the same request is sent, so you can never be charged twice."),
          );
          announce(`${err.message} Trying again is safe.`);
          return;
        }
        message.replaceChildren(errorBox(err, { title: "Please check your details" }));
        announce(err.message);
    }
  }

  /** @param {string} declined the token of the card that was declined */
  function focusOtherCard(declined) {
    /** @type {HTMLInputElement | null} */
    const other = form.querySelector(`input[name=token]:not([value="${declined}"])`);
    if (other) {
      other.checked = true;
      other.focus();
      saveDraft(values());
    }
  }

  form.addEventListener("submit", onSubmit);

  main.replaceChildren(
    h("a", { class: "back-link", href: `#/shows/${encodeURIComponent(show.id)}` }, "← Back to seats"),
    h("header", { class: "page-head" }, pageHeading("Checkout", { title: `Checkout · ${movie.title}` })),
    h(
      "div",
      { class: "checkout-layout" },
      h("div", { class: "checkout-main" }, timer, form),
      h(
        "aside",
        { class: "summary card", "aria-labelledby": "order-heading" },
        h("h2", { id: "order-heading", class: "panel-title" }, "Your order"),
        h(
          "dl",
          { class: "details" },
          h("dt", {}, "Movie"), h("dd", {}, movie.title),
          h("dt", {}, "When"), h("dd", {}, dateTime(show.starts_at)),
          h("dt", {}, "Screen"), h("dd", {}, show.screen),
          h("dt", {}, "Seats"), h("dd", { "data-testid": "held-seats" }, seatList(hold.seat_ids)),
        ),
        h("dl", { class: "totals" }, h("dt", {}, `${hold.seat_ids.length} × ${money(show.price_cents, show.currency)}`), h("dd", {}, money(total, show.currency))),
      ),
    ),
  );
  form.id = "checkout-form";
  form.setAttribute("aria-labelledby", "checkout-title");
  /** @type {HTMLElement} */ (main.querySelector("h1")).id = "checkout-title";

  if (hold.status !== "active") {
    const text = hold.status === "expired" ? "Your hold expired" : "Your hold was released";
    endHold(text, `${released()}. Your details are saved: pick seats again to continue.`);
    return null;
  }
  const ttl = hold.ttl_seconds;
  let warned = false;
  stopCountdown = startCountdown(
    deadline,
    (left) => {
      timerText.textContent = clock(left);
      bar.style.width = `${Math.max(0, Math.min(100, (left / ttl) * 100))}%`;
      timer.classList.toggle("timer-low", left <= 60);
      if (!warned && left <= 60 && ttl > 90) {
        warned = true;
        announce("One minute left to complete your booking.");
      }
    },
    () => {
      if (busy) expiredWhileBusy = true; // the server decides the in-flight request; wait for it
      else expired();
    },
  );
  return () => stopCountdown();
}
