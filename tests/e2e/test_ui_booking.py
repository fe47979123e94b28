"""The web UI in a real browser: a full booking, live seat updates, a declined card."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Browser, Request, expect

if TYPE_CHECKING:
    from tests.e2e.ui_support import Ui

pytest_plugins = ["tests.e2e.ui_support"]  # browser + ui; lab_url comes from tests/e2e/conftest.py
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _label(seat_id: str, state: str) -> str:
    return f"Row {seat_id[0]}, seat {seat_id[1:]}, {state}"


@pytest.mark.e2e
def test_a_booking_made_in_the_browser_is_confirmed_and_shows_booked_to_everyone(
    browser: Browser, lab_url: str, ui: Ui, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ui.user(browser, lab_url) as page, ui.user(browser, lab_url, dark=True) as other:
        page.goto("/#/")
        titles = [m["title"] for m in httpx.get(f"{lab_url}/api/movies").json()["items"]]
        expect(page.get_by_role("heading", level=2)).to_have_text(titles)
        ui.shot(page, "01-movies")

        page.get_by_role("link", name="Orbit of Glass", exact=True).click()
        expect(page.get_by_role("navigation", name="Choose a day").locator("[aria-current=date]")).to_have_count(1)
        expect(page.locator("a.showtime").first).to_be_visible()
        ui.shot(page, "02-showtimes")

        page.locator("a.showtime").first.click()
        expect(page.get_by_role("heading", level=1, name="Choose your seats")).to_be_visible()
        show_id = page.url.rsplit("/", 1)[-1]
        expect(page.locator(".seat-grid button.seat")).to_have_count(120)
        first, second = ui.adjacent_free_pair(page)
        other.goto(f"/#/shows/{show_id}")  # a second person watching the same seat map, never reloaded
        expect(ui.seat(other, first)).to_have_attribute("aria-label", _label(first, "available"))

        # keyboard only: Space selects, the right arrow moves to the neighbour, Enter selects it too
        ui.seat(page, first).focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        expect(ui.seat(page, second)).to_be_focused()
        page.keyboard.press("Enter")
        for sid in (first, second):
            expect(ui.seat(page, sid)).to_have_attribute("aria-pressed", "true")
            expect(ui.seat(page, sid)).to_have_attribute("aria-label", _label(sid, "available"))
        expect(page.get_by_role("list", name="Selected seats")).to_have_text(f"{first}{second}")
        ui.shot(page, "03-seat-map-selection")

        page.get_by_role("button", name="Hold 2 seats").click()
        expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()
        expect(page.get_by_role("timer")).to_contain_text(re.compile(r"[0-9]:[0-5][0-9]"))
        expect(page.get_by_test_id("held-seats")).to_have_text(f"{first} and {second}")
        ui.fill_checkout(page, "Ada Lovelace", "ada@example.com", "Visa (succeeds)")
        ui.shot(page, "04-hold-checkout")

        page.get_by_role("button", name=re.compile(r"^Pay ")).click()
        reference = page.get_by_test_id("reference")
        expect(reference).to_have_text(ui.REFERENCE)
        booking_id = page.url.rsplit("/", 1)[-1]
        expect(page.locator("[data-notification]")).to_contain_text("Confirmation sent to ada@example.com")
        expect(page.frame_locator("iframe.email-frame").locator("h1")).to_contain_text(reference.inner_text())
        ui.shot(page, "05-confirmation")

        booking_token = ui.booking_token(page, booking_id)
        booking = httpx.get(f"{lab_url}/api/bookings/{booking_id}", headers=_bearer(booking_token)).json()
        assert booking["reference"] == reference.inner_text()
        assert sorted(booking["seat_ids"]) == sorted([first, second])
        assert booking["notification"]["status"] == "sent"
        for sid in (first, second):  # the other person's map turned booked by polling alone
            expect(ui.seat(other, sid)).to_have_attribute("aria-label", _label(sid, "booked"))
            expect(ui.seat(other, sid)).to_have_attribute("aria-disabled", "true")
        ui.shot(other, "11-seat-map-dark", full_page=False)
        other.set_viewport_size({"width": 390, "height": 844})  # a phone: the whole map fits, no sideways scroll
        assert other.evaluate("document.documentElement.scrollWidth") <= 390
        ui.shot(other, "12-seat-map-phone")

    # lab 01 is this very exercise: its check accepts the right answers and catches a wrong one
    show = httpx.get(f"{lab_url}/api/shows/{show_id}").json()
    answers = {k: booking[k] for k in ("booking_id", "reference", "seat_ids", "total_cents")}
    answers["booking_token"] = booking_token
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    lab01 = ui.lab_check("01-first-booking")
    (tmp_path / "first-booking.json").write_text(json.dumps({**answers, "show_starts_at": show["starts_at"]}))
    results = lab01.check(lab_url)
    assert [r for r in results if r[1] is not True] == []
    assert len(results) == 9
    (tmp_path / "first-booking.json").write_text(json.dumps({**answers, "show_starts_at": "2000-01-01T00:00:00Z"}))
    failed = [name for name, ok, _ in lab01.check(lab_url) if not ok]
    assert failed == ["show_starts_at found through the API (GET /api/shows/{show_id})"]


@pytest.mark.e2e
def test_a_declined_card_keeps_the_form_and_the_hold_and_another_card_books(
    browser: Browser, lab_url: str, ui: Ui
) -> None:
    keys: list[str] = []

    def record(req: Request) -> None:
        if req.method == "POST" and req.url.endswith("/api/bookings"):
            keys.append(req.headers["idempotency-key"])

    with ui.user(browser, lab_url) as page:
        page.on("request", record)
        ui.open_show(page, lab_url, "Quiet Hours")
        (sid,) = ui.available_seats(page, 1)
        ui.hold_seats(page, [sid])
        hold_id = page.url.rsplit("/", 1)[-1]
        ui.fill_checkout(page, "Grace Hopper", "grace@example.com", "Card that declines")
        page.get_by_role("button", name=re.compile(r"^Pay ")).click()

        alert = page.get_by_role("alert").filter(has_text="Payment declined")
        expect(alert).to_contain_text("Your seats are still held")
        expect(alert.locator(".request-id")).to_have_text(re.compile(r"^Request ID: [0-9a-f]{32}$"))
        expect(page.get_by_label("Full name")).to_have_value("Grace Hopper")
        expect(page.get_by_label("E-mail for your tickets")).to_have_value("grace@example.com")
        expect(page.get_by_label("Card that declines")).to_be_checked()
        expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_enabled()
        ui.shot(page, "06-payment-declined")
        assert httpx.get(f"{lab_url}/api/holds/{hold_id}").json()["status"] == "active"

        alert.get_by_role("button", name="Use another card").click()
        expect(page.get_by_label("Visa (succeeds)")).to_be_checked()
        expect(page.get_by_label("Visa (succeeds)")).to_be_focused()
        page.get_by_role("button", name=re.compile(r"^Pay ")).click()
        expect(page.get_by_test_id("reference")).to_have_text(ui.REFERENCE)
        assert len(keys) == 2
        assert all(UUID.match(k) for k in keys), keys
        assert keys[0] != keys[1], "a different card is a different request: it needs a new Idempotency-Key"
        assert httpx.get(f"{lab_url}/api/holds/{hold_id}").json()["status"] == "booked"
