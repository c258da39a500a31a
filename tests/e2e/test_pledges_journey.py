"""Pledges journey: an organizer announces a pledge at a panel, and the pledge wall,
open in a second page, shows the new total without a reload."""
from __future__ import annotations

import re

import pytest

from .conftest import TIMEOUT_MS, browser_login

pytestmark = pytest.mark.e2e


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_announcing_at_the_desk_updates_the_open_wall(browser, page, live_url, db, make_user,
                                                      make_event, make_session, make_person):
    from tests.support.pledges_support import make_pledge

    event = make_event(title="Wall Roundtable")
    moderator = make_person("Mia Moderator", "Org A")
    session = make_session(event, people=[(moderator, "moderator")], title="Access panel")
    make_pledge(event, session=session, announced_by=moderator, amount="1000000",
                title="Earlier pledge")
    organizer = make_user(organizer_of=event, name="Olga Organizer")
    db.session.commit()

    # The room's screen: the wall, open in its own browser context (no sign-in).
    wall_context = browser.new_context(viewport={"width": 1280, "height": 720})
    wall_context.set_default_timeout(TIMEOUT_MS)
    wall = wall_context.new_page()
    try:
        wall.goto(f"{live_url}/events/{event.slug}/pledges/wall")
        assert wall.locator('[data-wall-stat="pledges"]').inner_text() == "1"
        assert wall.locator('[data-wall-stat="amount"]').inner_text() == "USD 1,000,000"
        scripts_loaded = wall.evaluate("() => !!document.querySelector('script[src*=\"pledges.js\"]')")
        assert scripts_loaded

        # The organizer opens the panel's pledge desk and announces a new pledge.
        browser_login(page, live_url, organizer.email)
        page.goto(f"{live_url}/events/{event.slug}/pledges/desk/{session.id}")
        page.get_by_label("Announced by").select_option(str(moderator.id))
        page.get_by_label("Pledging entity (the lead, for a joint pledge)").fill("Stage Telecom")
        page.get_by_label("Sector of the entity").select_option("private_sector")
        page.get_by_label("Pledge title").fill("Connect 300 health centres")
        page.get_by_label("Type").select_option("financial")
        page.get_by_label("Focus area").select_option("access")
        page.get_by_label("Estimated value in USD (optional)").fill("24000000")
        with page.expect_navigation():
            page.get_by_role("button", name="Announce").first.click()
        assert "Announced: Connect 300 health centres" in page.locator("main").inner_text()

        # The wall follows by itself: no reload.
        wall.wait_for_function(
            "() => document.querySelector('[data-wall-stat=\"pledges\"]').textContent === '2'")
        assert wall.locator('[data-wall-stat="amount"]').inner_text() == "USD 25,000,000"
        assert wall.locator('[data-wall-stat="entities"]').inner_text() == "2"
        first = wall.locator("[data-wall-latest] li").first.inner_text()
        assert "Connect 300 health centres" in first and "Stage Telecom" in first
        assert re.search(r"Access panel", first)
        wall.screenshot(path="/tmp/pledges-wall-e2e.png")
    finally:
        wall_context.close()


def test_dashboard_reads_on_a_phone(phone_page, live_url, make_event):
    from tests.support.pledges_support import make_pledge

    event = make_event(title="Phone Roundtable")
    for i in range(3):
        make_pledge(event, amount=str(1000 * (i + 1)), countries=["RW"], sdgs=[9])
    phone_page.goto(f"{live_url}/events/{event.slug}/pledges")
    assert "Pledges announced at Phone Roundtable" in phone_page.locator("h1").inner_text()
    assert _no_horizontal_scroll(phone_page)
    assert phone_page.locator("svg.chart[role=img]").count() >= 8
