"""Browser journey: an organizer builds a panel (a moderator and three panellists), sees
a conflict warning, publishes; an anonymous visitor finds it in the programme in their
own time zone and downloads its .ics."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS, browser_login  # noqa: F401

pytestmark = pytest.mark.e2e


def test_organizer_builds_panel_visitor_finds_it(app, db, live_url, page, browser,
                                                 make_event, make_room, make_user,
                                                 make_person, make_session):
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 6, 7, 9, 0, tzinfo=kz)
    event = make_event(title="Kigali Roundtable", timezone="Africa/Kigali",
                       starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2)).astimezone(UTC))
    room = make_room(event, "Auditorium", 1200)
    # Already in the Auditorium at 14:30 on day one: the new panel will clash with it.
    make_session(event, type="spotlight", number=1, title="Spotlight on skills", room=room,
                 starts_at=datetime(2030, 6, 7, 14, 30, tzinfo=kz).astimezone(UTC))
    organizer = make_user("olga@example.org", name="Olga Organizer", organizer_of=event)
    # An existing profile the organizer may use: she created it (people shared with
    # events she does not organize are not offered: see permissions.can_use_person).
    make_person("Pat Panellist", "GSMA", created_by_id=organizer.id)

    browser_login(page, live_url, organizer.email)
    page.goto(f"{live_url}/events/{event.slug}/programme/manage")
    page.get_by_role("link", name="New session").first.click()
    page.get_by_label("Type").select_option("high_level_panel")
    page.get_by_label("Number").fill("3")
    page.get_by_label("Title").fill("Meaningful connectivity for all")
    page.get_by_label("Room").select_option(label="Auditorium (1200)")
    page.get_by_label("Date").fill("2030-06-07")
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Ends at").fill("15:00")
    page.get_by_role("button", name="Create session").click()
    # The conflict is flagged at once.
    warning = page.locator(".flash-warning").first
    assert "Auditorium is used by two sessions at once" in warning.inner_text()

    def new_person(name, org, role):
        page.locator("#np-name").fill(name)
        page.locator("#np-organization").fill(org)
        page.locator("#np-role").select_option(role)
        page.get_by_role("button", name="Create and add").click()
        page.wait_for_load_state()

    new_person("Mia Moderator", "ITU", "moderator")
    # An existing person, picked from the list.
    page.get_by_label("Person", exact=True).select_option(label="Pat Panellist (GSMA)")
    page.locator("form[action$='/people'] select[name=role]").select_option("panellist")
    page.get_by_role("button", name="Add to session").click()
    new_person("Pia Panellist", "UNDP", "panellist")
    new_person("Pio Panellist", "World Bank", "panellist")
    people = page.locator("ol.role-list > li").all_inner_texts()
    assert [p.split("(")[0].strip() for p in people] == [
        "Mia Moderator", "Pat Panellist", "Pia Panellist", "Pio Panellist"]
    assert "Moderator" in people[0] and all("Panellist" in p for p in people[1:])

    # Review and publish: the warning is listed again.
    page.goto(f"{live_url}/events/{event.slug}/programme/publish")
    assert "Auditorium is used by two sessions at once" in page.inner_text("main")
    page.get_by_role("button", name=re.compile("^Publish the event")).click()
    assert "Published" in page.inner_text(".flash-success")
    page.screenshot(path="/tmp/programme-organizer.png", full_page=True)

    # An anonymous visitor in New York.
    ctx = browser.new_context(timezone_id="America/New_York", accept_downloads=True,
                              viewport={"width": 390, "height": 844})
    visitor = ctx.new_page()
    try:
        visitor.goto(f"{live_url}/events/{event.slug}")
        visitor.get_by_role("link", name="Programme", exact=True).click()
        item = visitor.locator(".session-item", has_text="Meaningful connectivity for all")
        assert "High-Level Panel 3" in item.inner_text()
        assert "Mia Moderator" in item.inner_text()
        # 14:00 in Kigali (UTC+2) is 08:00 in New York (UTC-4), shown by programme.js.
        # expect() retries: the text is written by JavaScript after the page loads.
        expect(item.locator(".viewer-time")).to_contain_text("Fri 08:00–09:00 America/New_York")
        assert "14:00–15:00" in item.locator("time").inner_text()
        # Another zone, instantly (no reload).
        visitor.get_by_label("Also show times in").fill("Asia/Tokyo")
        visitor.get_by_role("button", name="Show").click()
        expect(item.locator(".viewer-time")).to_contain_text("Fri 21:00–22:00 Asia/Tokyo")
        visitor.screenshot(path="/tmp/programme-visitor-phone.png", full_page=True)
        item.get_by_role("link", name="Meaningful connectivity for all").click()
        with visitor.expect_download() as dl:
            visitor.get_by_role("link", name="Add to calendar (.ics)").click()
        data = Path(dl.value.path()).read_bytes()
    finally:
        ctx.close()
    cal = Calendar.from_ical(data)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "High-Level Panel 3: Meaningful connectivity for all"
    assert vevent.decoded("DTSTART").astimezone(UTC) == datetime(
        2030, 6, 7, 12, 0, tzinfo=UTC)
    assert "Moderator: Mia Moderator" in str(vevent["DESCRIPTION"])
