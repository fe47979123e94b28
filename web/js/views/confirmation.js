// #/bookings/{id} : the booking reference, then "confirmation sent" once the booking-events handler ran.

import { api } from "../api.js";
import { announce, dateTime, h, money, pageHeading, seatList, timeOf } from "../ui.js";

const POLL_MS = 1000;
const SLOW_AFTER_MS = 30000;

const EMAIL_CSS =
  "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1b2c;margin:16px;}" +
  "h1{font-size:18px;margin:0 0 8px}table{border-collapse:collapse;margin:8px 0}" +
  "th{text-align:left;color:#6b6880;font-weight:500;padding:3px 16px 3px 0}td{padding:3px 0}small{color:#6b6880}";

/** @param {import("../types.js").Notice} notice */
function sentNotice(notice) {
  const frame = h("iframe", {
    class: "email-frame",
    title: `E-mail: ${notice.subject}`,
    sandbox: "", // no scripts, no navigation: it is only a preview of the rendered mail
    srcdoc: `<!doctype html><meta charset="utf-8"><style>${EMAIL_CSS}</style>${notice.html}`,
  });
  return h(
    "div",
    { class: "email card" },
    h(
      "dl",
      { class: "email-head" },
      h("dt", {}, "To"), h("dd", {}, notice.to),
      h("dt", {}, "Subject"), h("dd", {}, notice.subject),
    ),
    frame,
  );
}

/**
 * @param {HTMLElement} main
 * @param {string[]} params
 * @param {import("../types.js").RouteContext} ctx
 */
export async function render(main, [bookingId], { signal }) {
  const booking = await api.booking(bookingId, signal);
  const show = await api.show(booking.show_id, signal);
  const movie = await api.movie(show.movie_id, signal);
  const status = h("div", { class: "notify", role: "status", "aria-live": "polite", "data-notification": "pending" });
  const preview = h("div", { class: "email-slot" });

  /** @param {boolean} slow */
  function pending(slow) {
    status.replaceChildren(
      h("span", { class: "spinner", "aria-hidden": "true" }),
      h("span", {}, `Sending your confirmation to ${booking.customer.email}…`),
      // replaceChildren() would turn a null into the text "null": pass nothing instead
      ...(slow ? [h("span", { class: "fineprint" }, " This is taking longer than usual; your booking is safe.")] : []),
    );
  }

  /** @param {import("../types.js").Notice} notice */
  function sent(notice) {
    status.dataset.notification = "sent";
    status.replaceChildren(
      h("span", { class: "check-sm", "aria-hidden": "true" }, "✓"),
      h("span", {}, `Confirmation sent to ${notice.to} at ${timeOf(notice.sent_at)}.`),
    );
    preview.replaceChildren(sentNotice(notice));
  }

  main.replaceChildren(
    h(
      "section",
      { class: "confirm-hero card" },
      h("div", { class: "check", "aria-hidden": "true" }, "✓"),
      pageHeading("You're booked!", { title: `Booking ${booking.reference}` }),
      h("p", { class: "lede" }, `${movie.title} · ${dateTime(show.starts_at)} · ${show.screen}`),
      h(
        "div",
        { class: "reference" },
        h("span", { class: "reference-label" }, "Booking reference"),
        h("strong", { class: "reference-code mono", "data-testid": "reference" }, booking.reference),
      ),
      h(
        "dl",
        { class: "details details-inline" },
        h("dt", {}, "Seats"), h("dd", {}, seatList(booking.seat_ids)),
        h("dt", {}, "Total"), h("dd", {}, money(booking.total_cents, booking.currency)),
        h("dt", {}, "Name"), h("dd", {}, booking.customer.name),
        h("dt", {}, "Booking ID"), h("dd", { class: "mono" }, booking.booking_id),
      ),
      status,
      h("p", { class: "actions" }, h("a", { class: "btn btn-secondary", href: "#/" }, "Book another movie")),
    ),
    preview,
  );

  const started = Date.now();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopped = false;
  let wasSlow = false;

  async function poll() {
    if (stopped) return;
    try {
      const current = await api.booking(bookingId, signal);
      if (current.notification && current.notification.status === "sent") {
        const notice = await api.confirmation(bookingId, signal);
        sent(notice);
        announce(`Confirmation sent to ${notice.to}.`);
        return;
      }
    } catch (err) {
      if (/** @type {Error} */ (err).name === "AbortError") return;
      // confirmation_not_ready, or a blip: keep polling, the booking itself is safe
    }
    const slow = Date.now() - started > SLOW_AFTER_MS;
    if (slow !== wasSlow) pending(slow); // re-render only on change: the status region would re-announce
    wasSlow = slow;
    const wait = slow ? POLL_MS * 5 : POLL_MS;
    timer = setTimeout(poll, wait);
  }

  pending(false);
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
