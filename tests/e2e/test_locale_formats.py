"""Browser: what the scripts write follows the page's language, as the server does.

programme.js rewrites session times in the viewer's zone with Intl in the page's language
(with Latin digits, as Babel writes Arabic); pledges.js updates the wall's counter with
the figures the server formatted, so the counter never changes form when it updates.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e

ARABIC_INDIC = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


def _visitor(browser, live_url, lang: str):
    context = browser.new_context(timezone_id="America/New_York",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
    return context, context.new_page()


@pytest.mark.parametrize("lang, expected", [
    ("fr", "ven. 08:00\u201309:00 America/New_York"),
    ("ar", "الجمعة 08:00\u201309:00 America/New_York"),
])
def test_programme_times_rewritten_in_the_page_language(browser, live_url, db, make_event,
                                                        make_session, lang, expected):
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 6, 7, 9, 0, tzinfo=kz)
    event = make_event(timezone="Africa/Kigali", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2)).astimezone(UTC))
    # 14:00 in Kigali is 08:00 in New York, a Friday.
    begins = datetime(2030, 6, 7, 14, 0, tzinfo=kz).astimezone(UTC)
    make_session(event, title="Connectivity panel", starts_at=begins,
                 ends_at=begins + timedelta(hours=1))
    db.session.commit()
    context, page = _visitor(browser, live_url, lang)
    try:
        page.goto(f"{live_url}/events/{event.slug}/programme")
        assert page.evaluate("() => document.documentElement.lang") == lang
        item = page.locator(".session-item", has_text="Connectivity panel")
        viewer = item.locator(".viewer-time")
        expect(viewer).to_have_text(expected)  # written by programme.js after load
        text = viewer.inner_text()
        assert "Fri" not in text and not ARABIC_INDIC.search(text)
        # The event's own time, written by the server, uses the same digits.
        assert not ARABIC_INDIC.search(item.locator("time").inner_text())
    finally:
        context.close()


def test_wall_counter_updates_in_the_page_language(browser, live_url, db, make_event):
    from tests.support.pledges_support import bulk_pledges, make_pledge

    event = make_event(title="Mur des engagements")
    bulk_pledges(1000, event)
    db.session.commit()
    context, wall = _visitor(browser, live_url, "fr")
    try:
        wall.goto(f"{live_url}/events/{event.slug}/pledges/wall")
        counter = wall.locator('[data-wall-stat="pledges"]')
        assert counter.inner_text() == "1\u202f000"
        # Wait for pledges.js's first render from the feed: the figure keeps its form.
        wall.wait_for_function("() => window.performance.getEntriesByType('resource')"
                               ".some(e => e.name.indexOf('wall.json') >= 0)")
        assert counter.inner_text() == "1\u202f000"
        make_pledge(event, amount="2500000", title="Nouvel engagement")
        # The next poll brings the new figures, formatted as the server formats them.
        wall.wait_for_function(
            "() => document.querySelector('[data-wall-stat=\"pledges\"]').textContent"
            " === '1\u202f001'", timeout=TIMEOUT_MS)
        amount = wall.locator('[data-wall-stat="amount"]').inner_text()
        assert "$US" in amount and "USD" not in amount
    finally:
        context.close()
