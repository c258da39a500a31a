"""Browser journey: a French-speaking visitor finds Geneva in the time-zone box by its
French name, picks the suggestion with the keyboard and the programme's times change at
once; picking the event's own zone then leaves no second time."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_french_visitor_picks_geneva_from_the_suggestions(live_url, browser, make_event,
                                                          make_session):
    # December: Geneva (UTC+1) reads an hour behind Kigali (UTC+2).
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 12, 5, 9, 0, tzinfo=kz)
    event = make_event(title="Kigali Roundtable", timezone="Africa/Kigali",
                       starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=1, hours=9)).astimezone(UTC))
    make_session(event, type="high_level_panel", number=3, title="Meaningful connectivity",
                 starts_at=datetime(2030, 12, 5, 14, 0, tzinfo=kz))

    ctx = browser.new_context(timezone_id="America/New_York", viewport={"width": 390, "height": 844})
    ctx.add_cookies([{"name": "lang", "value": "fr", "url": live_url}])
    page = ctx.new_page()
    try:
        page.goto(f"{live_url}/events/{event.slug}/programme")
        item = page.locator(".session-item", has_text="Meaningful connectivity")
        span = item.locator(".viewer-time")
        # The browser's zone at first, named in French in the box.
        expect(span).to_contain_text("07:00–07:45 America/New_York")
        box = page.get_by_role("combobox", name="Afficher aussi les heures dans le fuseau")
        expect(box).to_have_value("New York (États-Unis)")

        box.fill("")
        box.press_sequentially("Genève", delay=30)
        option = page.get_by_role("option", name=re.compile(r"^Genève \(Suisse\)"))
        expect(option).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        box.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
        box.press("Enter")

        # At once, without a reload: Geneva's times, and the sentence names it.
        expect(span).to_contain_text("13:00–13:45 Europe/Zurich")
        expect(box).to_have_value("Genève (Suisse)")
        expect(page.get_by_role("listbox")).to_be_hidden()
        sentence = page.locator("[data-zone-sentence]")
        expect(sentence).to_contain_text("et dans le vôtre, Genève (Suisse)")
        assert "14:00–14:45" in item.locator("time").inner_text()  # the event's own time stays

        # Remembered: the server shows Geneva's times on the next visit.
        page.reload()
        expect(span).to_contain_text("13:00–13:45 Europe/Zurich")
        expect(box).to_have_value("Zurich (Suisse)")

        # The event's own zone: no second time, nothing said of the viewer's zone.
        box.fill("")
        box.press_sequentially("Kigali", delay=30)
        page.get_by_role("option", name=re.compile(r"^Kigali \(Rwanda\)")).click()
        expect(span).to_be_hidden()
        expect(sentence).to_have_text(
            "Les heures sont indiquées dans le fuseau de la manifestation, Africa/Kigali.")

        # Another name of the same zone (Harare: Africa/Harare and Africa/Kigali are both
        # Africa/Maputo): nothing said of the viewer's zone either, as the server says.
        box.fill("")
        box.press_sequentially("Harare", delay=30)
        page.get_by_role("option", name=re.compile(r"^Harare \(Zimbabwe\)")).click()
        expect(box).to_have_value("Harare (Zimbabwe)")
        expect(span).to_be_hidden()
        expect(sentence).to_have_text(
            "Les heures sont indiquées dans le fuseau de la manifestation, Africa/Kigali.")
    finally:
        ctx.close()
