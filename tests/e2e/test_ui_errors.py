"""The web UI when things go wrong: a seat race, an expired hold, a lost response, the API down."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

if TYPE_CHECKING:
    from tests.e2e.ui_support import Ui

pytest_plugins = ["tests.e2e.ui_support"]  # browser + ui; lab_url comes from tests/e2e/conftest.py
CLICK_HOLD = "document.getElementById('hold-button').click()"  # returns at once: both requests race


def _outcome(page: Page, deadline: float) -> str:
    """'won' when the page reached checkout, 'lost' when it says the seat was taken."""
    while time.monotonic() < deadline:
        if page.get_by_role("heading", level=1, name="Checkout").is_visible():
            return "won"
        if page.get_by_role("alert").filter(has_text="Seat taken").is_visible():
            return "lost"
        page.wait_for_timeout(50)
    raise AssertionError(f"no outcome on {page.url}")


@pytest.mark.e2e
def test_two_people_pick_the_same_seat_one_wins_and_the_other_is_told_which(
    browser: Browser, lab_url: str, ui: Ui
) -> None:
    with ui.user(browser, lab_url) as p1, ui.user(browser, lab_url) as p2:
        show_id = ui.open_show(p1, lab_url, "The Last Lantern")
        p2.goto(f"/#/shows/{show_id}")
        contested, extra = ui.available_seats(p1, 2)
        ui.seat(p1, contested).click()
        ui.seat(p2, contested).click()
        ui.seat(p2, extra).click()
        p1.evaluate(CLICK_HOLD)
        p2.evaluate(CLICK_HOLD)

        deadline = time.monotonic() + 10
        outcomes = {"p1": _outcome(p1, deadline), "p2": _outcome(p2, deadline)}
        assert sorted(outcomes.values()) == ["lost", "won"], outcomes
        loser = p1 if outcomes["p1"] == "lost" else p2
        alert = loser.get_by_role("alert").filter(has_text="Seat taken")
        expect(alert).to_contain_text(f"seat {contested} was just taken by someone else")
        expect(alert.locator(".request-id")).to_have_text(re.compile(r"^Request ID: [0-9a-f]{32}$"))
        expect(ui.seat(loser, contested)).to_have_attribute("aria-disabled", "true")
        expect(ui.seat(loser, contested)).to_have_attribute("aria-pressed", "false")
        if loser is p2:  # the rest of the selection is kept
            expect(alert).to_contain_text(f"Your other seat ({extra}) is still selected")
            expect(ui.seat(p2, extra)).to_have_attribute("aria-pressed", "true")
            expect(p2.get_by_role("button", name="Hold 1 seat")).to_be_enabled()
        ui.shot(loser, "07-seat-taken")
        seats = httpx.get(f"{lab_url}/api/shows/{show_id}/seats").json()["seats"]
        assert next(s["status"] for s in seats if s["id"] == contested) == "held"


@pytest.mark.e2e
def test_when_the_countdown_ends_the_hold_expires_and_the_seat_is_free_again(
    browser: Browser, short_hold_lab_url: str, ui: Ui
) -> None:
    with ui.user(browser, short_hold_lab_url) as page:
        ui.open_show(page, short_hold_lab_url, "Cipher Nine")
        (sid,) = ui.available_seats(page, 1)
        ui.hold_seats(page, [sid])
        hold_id = page.url.rsplit("/", 1)[-1]
        timer = page.get_by_role("timer")
        expect(timer).to_contain_text(re.compile(r"0:0[1-5]"))
        ui.fill_checkout(page, "Alan Turing", "alan@example.com", "Visa (succeeds)")

        alert = page.get_by_role("alert").filter(has_text="Your hold expired")
        expect(alert).to_contain_text(f"Seat {sid} was released", timeout=9000)
        expect(timer).to_contain_text("0:00")
        expect(page.get_by_label("Full name")).to_have_value("Alan Turing")  # nothing lost from the form
        expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_disabled()
        ui.shot(page, "08-hold-expired")
        assert httpx.get(f"{short_hold_lab_url}/api/holds/{hold_id}").json()["status"] == "expired"

        alert.get_by_role("link", name="Pick seats again").click()
        expect(ui.seat(page, sid)).to_have_attribute("aria-label", f"Row {sid[0]}, seat {sid[1:]}, available")
        ui.hold_seats(page, [sid])  # and the saved details come back on the next checkout
        expect(page.get_by_label("Full name")).to_have_value("Alan Turing")
        expect(page.get_by_label("E-mail for your tickets")).to_have_value("alan@example.com")


@pytest.mark.e2e
def test_a_lost_booking_response_is_retried_with_the_same_key_and_books_once(
    browser: Browser, lab_url: str, ui: Ui
) -> None:
    keys: list[str] = []

    def lose_first_response(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the API books it...
            route.abort("connectionreset")  # ...but the answer never reaches the browser
        else:
            route.continue_()

    with ui.user(browser, lab_url) as page:
        ui.open_show(page, lab_url, "Noodle Kingdom")
        (sid,) = ui.available_seats(page, 1)
        ui.hold_seats(page, [sid])
        hold_id = page.url.rsplit("/", 1)[-1]
        auth = {"Authorization": f"Bearer {ui.hold_token(page, hold_id)}"}  # only the holder sees the booking id
        ui.fill_checkout(page, "Linus Torvalds", "linus@example.com", "Visa (succeeds)")
        page.route("**/api/bookings", lose_first_response)
        page.get_by_role("button", name=re.compile(r"^Pay ")).dblclick()  # a double click sends one request

        alert = page.get_by_role("alert").filter(has_text="We couldn't confirm your booking")
        expect(alert).to_contain_text("We can't reach the booking service right now.")
        expect(page.get_by_label("Full name")).to_have_value("Linus Torvalds")
        assert len(keys) == 1
        ui.shot(page, "09-booking-retry")

        with page.expect_response(re.compile(r"/api/bookings$")) as replay:
            alert.get_by_role("button", name="Try again").click()
        assert replay.value.status == 201
        assert replay.value.headers.get("idempotent-replayed") == "true"
        expect(page.get_by_test_id("reference")).to_have_text(ui.REFERENCE)
        assert keys[0] == keys[1]
        booking_id = page.url.rsplit("/", 1)[-1]
        assert httpx.get(f"{lab_url}/api/holds/{hold_id}", headers=auth).json()["booking_id"] == booking_id
        assert httpx.get(f"{lab_url}/api/holds/{hold_id}").json()["booking_id"] is None


@pytest.mark.e2e
def test_when_the_api_is_down_a_banner_offers_a_retry_that_recovers(browser: Browser, lab_url: str, ui: Ui) -> None:
    with ui.user(browser, lab_url) as page:
        page.route("**/api/movies", lambda route: route.abort("connectionrefused"))
        page.goto("/#/")
        banner = page.locator("#banner").get_by_role("alert")
        expect(banner).to_contain_text("We can't reach the booking service right now.")
        ui.shot(page, "10-api-down", full_page=False)

        page.unroute("**/api/movies")
        banner.get_by_role("button", name="Try again").click()
        expect(banner).to_have_count(0)
        expect(page.get_by_role("link", name="Orbit of Glass", exact=True)).to_be_visible()

        # a 503 envelope is an outage too: its request id is shown in small print
        error = {
            "code": "dependency_unavailable",
            "message": "DynamoDB is not reachable.",
            "request_id": "req-503-demo",
        }
        body = json.dumps({"error": {**error, "details": {}}})
        page.route(
            "**/api/movies/*/shows", lambda route: route.fulfill(status=503, body=body, content_type="application/json")
        )
        page.get_by_role("link", name="Orbit of Glass", exact=True).click()
        expect(banner).to_contain_text("DynamoDB is not reachable.")
        expect(banner.locator(".request-id")).to_have_text("Request ID: req-503-demo")
