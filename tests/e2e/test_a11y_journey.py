"""Accessibility in the browser (issue 13): a refused form moves the focus to its error
summary, whose links move it to the fields; a destructive button leads to a confirmation
page that works with the keyboard alone. On a phone, in English and in Arabic."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def _errors_of(page) -> list[str]:
    """Script errors and CSP violations (a refused form's 422 and the favicon's 404 are
    loads, not script errors)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang, prefix", [("en", "Error: "), ("ar", "خطأ: ")])
def test_refused_form_focuses_its_error_summary(phone_page, live_url, lang, prefix):
    page = phone_page
    errors = _errors_of(page)
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
    page.goto(f"{live_url}/signup")
    with page.expect_navigation():
        page.locator("form[action='/signup'] button[type=submit]").click()
    assert page.title().startswith(prefix)
    assert _active_id(page) == "error-summary"
    summary = page.locator("#error-summary")
    links = summary.locator("a")
    assert links.count() >= 2
    assert _no_horizontal_scroll(page)
    # Its first link moves the focus to the field, not only the view.
    first = links.first.get_attribute("href")[1:]
    links.first.click()
    assert _active_id(page) == first
    assert page.locator(f"#{first}").get_attribute("aria-invalid") == "true"
    assert not errors, errors


def test_cancel_asks_on_a_page_of_its_own_and_keyboard_confirms(phone_page, live_url, db,
                                                                make_event):
    from eventsapp.models import Modality, Registration, RegistrationStatus
    from eventsapp.security import hash_token

    event = make_event(title="P2C Annual Meeting")
    db.session.add(Registration(event_id=event.id, name="Ada Lovelace", email="ada@example.org",
                                modality=Modality.IN_PERSON,
                                status=RegistrationStatus.CONFIRMED,
                                manage_token_hash=hash_token("ada-token"), badge_code="b" * 22))
    db.session.commit()
    page = phone_page
    errors = _errors_of(page)
    page.goto(f"{live_url}/r/ada-token")
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel my registration").click()
    assert re.search(r"/r/ada-token/cancel$", page.url)
    main = page.locator("main").inner_text()
    assert "Cancel your registration for P2C Annual Meeting?" in main
    assert "Your badge no longer admits you at the door." in main
    assert _no_horizontal_scroll(page)
    # "No, go back" changes nothing.
    with page.expect_navigation():
        page.get_by_role("link", name="No, go back").click()
    assert page.locator("[data-status]").first.inner_text() == "Confirmed"
    # Again, confirmed with the keyboard this time.
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel my registration").click()
    page.get_by_role("button", name="Cancel my registration").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[data-status]").first.inner_text() == "Cancelled"
    assert not errors, errors


def test_scrolling_tables_take_the_keyboard_focus(page, live_url, db, make_event, make_user):
    from tests.e2e.conftest import browser_login

    event = make_event()
    organizer = make_user(organizer_of=event)
    db.session.commit()
    browser_login(page, live_url, organizer.email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_url}/events/{event.slug}/registrations/")
    region = page.locator(".table-wrap").first
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('table-wrap')")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
