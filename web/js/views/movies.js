// #/ : the movie list.

import { api } from "../api.js";
import { h, movieFacts, pageHeading, poster } from "../ui.js";

/**
 * @param {HTMLElement} main
 * @param {string[]} _params
 * @param {import("../types.js").RouteContext} ctx
 */
export async function render(main, _params, { signal }) {
  const { items } = await api.movies(signal);
  const cards = items.map((movie) =>
    h(
      "li",
      { class: "movie-card" },
      h(
        "article",
        { "aria-labelledby": `m-${movie.id}` },
        poster(movie),
        h(
          "div",
          { class: "movie-body" },
          h(
            "h2",
            { class: "movie-title", id: `m-${movie.id}` },
            h("a", { href: `#/movies/${encodeURIComponent(movie.id)}`, class: "stretched" }, movie.title),
          ),
          ...movieFacts(movie),
          h("span", { class: "card-cta", "aria-hidden": "true" }, "Showtimes →"),
        ),
      ),
    ),
  );
  main.replaceChildren(
    h(
      "section",
      { class: "hero" },
      pageHeading("Now showing", { title: "Now showing" }),
      h("p", { class: "lede" }, "Pick a film, choose your seats, and you're in. Seats are held for you while you pay."),
    ),
    items.length
      ? h("ul", { class: "movie-grid", "aria-label": "Movies" }, cards)
      : h("p", { class: "empty-state" }, "No movies are showing right now. Seed the catalog with `labctl seed`."),
  );
}
