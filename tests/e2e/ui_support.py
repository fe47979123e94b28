"""Browser fixtures and page helpers for the UI e2e tests.

Fixtures (load with `pytest_plugins = ["tests.e2e.ui_support"]`):
  playwright, browser -> Debian's /usr/bin/chromium driven by Playwright (no `playwright install`), per session
  ui                  -> Ui: page helpers (user, shot, open_show, seat, hold_seats, ...)
The labs themselves (`lab_url`, `short_hold_lab_url`) come from tests/e2e/conftest.py:
`labctl up --local --detach`, as a learner starts it.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
IMG_DIR = REPO_ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REFERENCE = re.compile(r"^MTB-[A-Z0-9]{6}$")


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread until it
# stops, and every asyncio test collected after it would then fail with "cannot be called from a running
# event loop". Stopping it after each UI module costs one browser start (~1 s).
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (the Makefile does this in CI)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Ui:
    """Page helpers, handed to tests by the `ui` fixture (importing this module from a test module would
    defeat pytest's assertion rewriting of a plugin)."""

    REFERENCE = REFERENCE

    @staticmethod
    def new_context(browser: Browser, base_url: str, *, dark: bool = False) -> BrowserContext:
        """A fresh user: own cookies and sessionStorage, desktop viewport, fixed locale and time zone."""
        ctx = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": 860},
            locale="en-US",
            timezone_id="UTC",
            color_scheme="dark" if dark else "light",
            device_scale_factor=1,
        )
        ctx.set_default_timeout(10_000)
        return ctx

    @staticmethod
    @contextmanager
    def user(browser: Browser, base_url: str, *, dark: bool = False) -> Iterator[Page]:
        """One person in their own browser context; fails the test on any uncaught JavaScript error."""
        ctx = Ui.new_context(browser, base_url, dark=dark)
        errors: list[str] = []
        ctx.on("weberror", lambda err: errors.append(str(err.error)))
        try:
            yield ctx.new_page()
        finally:
            ctx.close()
        assert not errors, f"uncaught JavaScript errors: {errors}"

    @staticmethod
    def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
        """Save docs/img/<name>.png (overwritten on every run)."""
        IMG_DIR.mkdir(parents=True, exist_ok=True)
        path = IMG_DIR / f"{name}.png"
        if full_page:  # a sticky header would otherwise be painted where the page was scrolled to
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    @staticmethod
    def open_show(page: Page, base_url: str, movie_title: str) -> str:
        """Deep link straight to the seat map of the movie's next show with free seats; return the show id."""
        movies = httpx.get(f"{base_url}/api/movies").json()["items"]
        movie_id = next(m["id"] for m in movies if m["title"] == movie_title)
        now = datetime.now(UTC)
        shows = httpx.get(f"{base_url}/api/movies/{movie_id}/shows").json()["items"]
        show_id = next(
            s["id"]
            for s in shows
            if datetime.fromisoformat(s["starts_at"].replace("Z", "+00:00")) > now and s["seats_available"] >= 2
        )
        page.goto(f"/#/shows/{show_id}")
        expect(page.get_by_role("heading", level=1, name="Choose your seats")).to_be_visible()
        return str(show_id)

    @staticmethod
    def available_seats(page: Page, count: int) -> list[str]:
        """Ids of the first `count` available seats on the open seat map."""
        seats = page.locator('.seat-grid button.seat[data-state="available"]')
        expect(seats.first).to_be_visible()
        ids = [seats.nth(i).get_attribute("data-seat") or "" for i in range(count)]
        assert all(ids), ids
        return ids

    @staticmethod
    def adjacent_free_pair(page: Page) -> tuple[str, str]:
        """Two available seats side by side in one row (the right arrow moves from the first to the second)."""
        expect(page.locator('.seat-grid button.seat[data-state="available"]').first).to_be_visible()
        states: list[list[str]] = page.eval_on_selector_all(
            ".seat-grid button.seat", "els => els.map(e => [e.dataset.seat, e.dataset.state, e.dataset.r])"
        )
        for (a, state_a, row_a), (b, state_b, row_b) in itertools.pairwise(states):
            if row_a == row_b and state_a == state_b == "available":
                return a, b
        raise AssertionError("no two adjacent seats are free on this show")

    @staticmethod
    def seat(page: Page, seat_id: str) -> Locator:
        """The seat button by its id, e.g. "A1"."""
        return page.locator(f'.seat-grid button[data-seat="{seat_id}"]')

    @staticmethod
    def hold_seats(page: Page, seat_ids: list[str]) -> None:
        """Click the seats, hold them and wait for the checkout page."""
        for sid in seat_ids:
            Ui.seat(page, sid).click()
        page.get_by_role("button", name=re.compile(r"^Hold \d+ seats?$")).click()
        expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()

    @staticmethod
    def booking_token(page: Page, booking_id: str) -> str:
        """The booking's token as the tab keeps it (sessionStorage): what a reader of the booking needs."""
        return str(page.evaluate("id => JSON.parse(sessionStorage.getItem('marquee.v1')).bookings[id]", booking_id))

    @staticmethod
    def hold_token(page: Page, hold_id: str) -> str:
        """The hold's token as the tab keeps it, while the tab still holds it."""
        return str(
            page.evaluate("id => JSON.parse(sessionStorage.getItem('marquee.v1')).holds[id].hold_token", hold_id)
        )

    @staticmethod
    def fill_checkout(page: Page, name: str, email: str, card: str) -> None:
        """Fill the checkout form; `card` is the visible label of the mock card."""
        page.get_by_label("Full name").fill(name)
        page.get_by_label("E-mail for your tickets").fill(email)
        page.get_by_label(card).check()

    @staticmethod
    def lab_check(folder: str) -> ModuleType:
        """Import labs/<folder>/check.py (its folder name is not a package name)."""
        spec = importlib.util.spec_from_file_location(
            f"lab_check_{folder[:2]}", REPO_ROOT / "labs" / folder / "check.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


@pytest.fixture(scope="session")
def ui() -> Ui:
    return Ui()
