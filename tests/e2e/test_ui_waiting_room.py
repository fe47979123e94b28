"""The web UI in the waiting room: a buyer who arrives when holds are saturated sees their place in line,
watches it move, and lands on checkout by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.api_server import REPO_ROOT, run_api

if TYPE_CHECKING:
    from tests.e2e.ui_support import Ui

pytest_plugins = ["tests.e2e.ui_support"]
# A tiny budget that forces queueing: no hold goes straight in, one ticket every two seconds is let in.
ROOM = {
    "STORE": "memory",
    "WEB_DIR": str(REPO_ROOT / "web"),
    "WAITING_ROOM_ENABLED": "true",
    "WAITING_ROOM_MAX_IN_FLIGHT": "0",
    "WAITING_ROOM_ADMIT_PER_S": "0.5",
}


@pytest.fixture(scope="module")
def room_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with run_api(ROOM, tmp_path_factory.mktemp("room") / "api.log") as url:
        yield url


@pytest.mark.e2e
def test_a_buyer_in_line_sees_the_place_move_and_reaches_checkout_by_itself(
    browser: Browser, room_url: str, ui: Ui
) -> None:
    with ui.user(browser, room_url) as page:
        show_id = ui.open_show(page, room_url, "The Last Lantern")
        # two people are already in line (each holding a ticket): the buyer is third
        for seat in ("J1", "J2"):
            r = httpx.post(f"{room_url}/api/shows/{show_id}/holds", json={"seat_ids": [seat]})
            assert r.status_code == 429
        [seat] = ui.available_seats(page, 1)
        ui.seat(page, seat).click()
        page.get_by_role("button", name="Hold 1 seat").click()
        in_line = page.locator(".in-line")
        # third, or second when a slow machine took two seconds between those requests and the click
        expect(in_line).to_contain_text(re.compile(r"You're in line - position [23], about [46] s"))
        expect(in_line).to_have_attribute("data-position", "1", timeout=10_000)  # it moves by itself
        ui.shot(page, "13-waiting-room")
        expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible(timeout=15_000)
        hold_id = page.url.rsplit("/", 1)[-1]
        hold = httpx.get(f"{room_url}/api/holds/{hold_id}").json()
        assert (hold["seat_ids"], hold["status"]) == ([seat], "active")
