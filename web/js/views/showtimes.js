// #/movies/{id}[/{YYYY-MM-DD}] : a movie and its showtimes, one day at a time.

import { api } from "../api.js";
import { dayKey, h, longDate, money, movieFacts, pageHeading, poster, timeOf } from "../ui.js";

/** @typedef {import("../types.js").Show} Show */

/**
 * @param {Show[]} shows
 * @returns {Map<string, Show[]>}
 */
function groupByDay(shows) {
  /** @type {Map<string, Show[]>} */
  const days = new Map();
  for (const show of shows) {
    const key = dayKey(new Date(show.starts_at));
    if (!days.has(key)) days.set(key, []);
    /** @type {Show[]} */ (days.get(key)).push(show);
  }
  return days;
}

/** @param {string} key YYYY-MM-DD */
function dayLabel(key) {
  const [y, m, d] = key.split("-").map(Number);
  const date = new Date(y, m - 1, d);
  const today = dayKey(new Date());
  const tomorrow = dayKey(new Date(Date.now() + 86400000));
  const name = key === today ? "Today" : key === tomorrow ? "Tomorrow" : date.toLocaleDateString(undefined, { weekday: "short" });
  return { name, date: date.toLocaleDateString(undefined, { month: "short", day: "numeric" }), full: longDate(date) };
}

/** @param {Show} show @param {number} now ms since the epoch */
function showtime(show, now) {
  const started = Date.parse(show.starts_at) <= now;
  const left = show.seats_available;
  const fill = show.seats_total ? Math.round(((show.seats_total - left) / show.seats_total) * 100) : 0;
  const availability = left === 0 ? "Sold out" : left <= 20 ? `Only ${left} seats left` : `${left} seats left`;
  const body = [
    h("span", { class: "showtime-time" }, timeOf(show.starts_at)),
    h("span", { class: "showtime-meta" }, `${show.screen} · ${money(show.price_cents, show.currency)}`),
    h("span", { class: `showtime-avail ${left <= 20 ? "low" : ""}` }, started ? "Already started" : availability),
    h("span", { class: "fill", "aria-hidden": "true" }, h("span", { style: { width: `${fill}%` } })),
  ];
  if (started || left === 0) {
    return h("li", {}, h("div", { class: "showtime disabled", "aria-disabled": "true" }, body));
  }
  return h("li", {}, h("a", { class: "showtime", href: `#/shows/${encodeURIComponent(show.id)}` }, body));
}

/**
 * @param {HTMLElement} main
 * @param {string[]} params movie id, then the day (undefined when the address has none)
 * @param {import("../types.js").RouteContext} ctx
 */
export async function render(main, [movieId, wantedDay], { signal }) {
  const [movie, { items: shows }] = await Promise.all([api.movie(movieId, signal), api.shows(movieId, signal)]);
  const now = Date.now();
  const days = groupByDay(shows);
  const keys = [...days.keys()];
  /** @param {string} key */
  const showsOn = (key) => /** @type {Show[]} */ (days.get(key));
  const firstUpcoming = keys.find((k) => showsOn(k).some((s) => Date.parse(s.starts_at) > now)) || keys[0];
  const selected = wantedDay && days.has(wantedDay) ? wantedDay : firstUpcoming;
  const base = `#/movies/${encodeURIComponent(movie.id)}`;

  const tabs = h(
    "nav",
    { class: "day-picker", "aria-label": "Choose a day" },
    h(
      "ul",
      {},
      keys.map((key) => {
        const label = dayLabel(key);
        return h(
          "li",
          {},
          h(
            "a",
            {
              class: "day",
              href: `${base}/${key}`,
              "aria-current": key === selected ? "date" : null,
              "aria-label": `${label.full}${key === selected ? ", selected" : ""}`,
            },
            h("span", { class: "day-name" }, label.name),
            h("span", { class: "day-date" }, label.date),
          ),
        );
      }),
    ),
  );
  const list = selected
    ? h(
        "section",
        { class: "showtimes", "aria-labelledby": "showtimes-heading" },
        h("h2", { id: "showtimes-heading", class: "section-title" }, `Showtimes · ${dayLabel(selected).full}`),
        h("ul", { class: "showtime-grid" }, showsOn(selected).map((s) => showtime(s, now))),
      )
    : h("p", { class: "empty-state" }, "No showtimes are scheduled for this movie yet.");

  main.replaceChildren(
    h("a", { class: "back-link", href: "#/" }, "← All movies"),
    h(
      "section",
      { class: "movie-hero" },
      poster(movie, "poster-lg"),
      h(
        "div",
        { class: "movie-hero-text" },
        pageHeading(movie.title),
        ...movieFacts(movie),
      ),
    ),
    tabs,
    list,
  );
}
