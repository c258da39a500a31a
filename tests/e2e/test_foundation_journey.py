"""Foundation journeys: a visitor browses, an organizer signs in and opens the console."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import browser_login

pytestmark = pytest.mark.e2e


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_anonymous_visitor_opens_home_and_an_event_page(page, live_url, make_event):
    upcoming = make_event(title="Digital Futures Roundtable")
    make_event(title="Last Year's Annual Meeting",
               starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=400))

    page.goto(live_url + "/")
    assert page.locator("h1").first.is_visible()
    body = page.locator("main").inner_text()
    assert "Digital Futures Roundtable" in body
    assert "Last Year's Annual Meeting" in body

    page.get_by_role("link", name="Digital Futures Roundtable").first.click()
    page.wait_for_url(re.compile(rf"/events/{re.escape(upcoming.slug)}$"))
    assert "Digital Futures Roundtable" in page.locator("h1").first.inner_text()
    main = page.locator("main").inner_text()
    assert "Test Centre" in main  # where
    # An anonymous visitor is not offered the console.
    assert page.locator(f"a[href*='/events/{upcoming.slug}/console']").count() == 0


def test_unknown_event_shows_the_404_page(page, live_url):
    response = page.goto(live_url + "/events/no-such-event")
    assert response.status == 404
    assert "not found" in page.locator("main").inner_text().lower()


def test_organizer_signs_in_and_opens_the_console(page, live_url, make_event, make_user):
    event = make_event(title="Partner Roundtable")
    organizer = make_user("organizer@example.org", name="Olive Organizer", organizer_of=event)

    # Asking for the console first sends the visitor to sign in, then back.
    page.goto(f"{live_url}/events/{event.slug}/console/")
    assert "/login" in page.url
    page.get_by_label("Email").fill(organizer.email)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith(f"/events/{event.slug}/console/")
    assert page.get_by_role("heading", name="Organizer console").is_visible()
    assert page.get_by_role("heading", name="Key numbers").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()

    # Signing out ends the session: the console asks for a sign-in again.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_url}/events/{event.slug}/console/")
    assert "/login" in page.url


def test_wrong_password_is_refused_with_a_message(page, live_url, make_user):
    user = make_user("someone@example.org")
    page.goto(live_url + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "Wrong email or password" in page.locator("main").inner_text()


def test_browser_login_helper_and_account_page(page, live_url, make_user):
    user = make_user("helper@example.org", name="Helga Helper")
    browser_login(page, live_url, user.email)
    page.goto(live_url + "/account")
    assert "Helga Helper" in page.content()


@pytest.mark.parametrize("path", ["/", "/login", "/signup"])
def test_pages_fit_a_phone_screen(phone_page, live_url, make_event, path):
    make_event(title="A rather long event title that has to wrap on a small phone screen")
    phone_page.goto(live_url + path)
    assert phone_page.locator("main").is_visible()
    assert _no_horizontal_scroll(phone_page), \
        f"{path} scrolls sideways at 390px"


def test_visitor_switches_to_arabic_and_the_page_mirrors(page, live_url):
    from tests.support.i18n import ensure_compiled

    ensure_compiled()
    page.goto(live_url + "/")
    # The switcher works without JavaScript: a select and a submit button.
    page.locator("#lang-select").select_option("ar")
    page.locator(".lang-switch button[type=submit]").click()
    page.wait_for_load_state()
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert page.locator("h1").first.inner_text() == "الفعاليات"
    # Mirrored: the brand, first in the header, now stands at the right.
    brand = page.locator(".brand").bounding_box()
    switch = page.locator(".lang-switch").bounding_box()
    assert brand["x"] > switch["x"]
    assert _no_horizontal_scroll(page)
    # The choice is remembered on the next page.
    page.goto(live_url + "/events/no-such-event")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("#lang-select").select_option("en")
    page.locator(".lang-switch button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
