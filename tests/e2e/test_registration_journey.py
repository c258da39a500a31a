"""Registration journey: an attendee registers to follow online, receives the mail,
opens the manage link from it and switches to in person."""
from __future__ import annotations

import re
from datetime import UTC

import pytest

from eventsapp.mail import delivery
from tests.support.smtp import body_text

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_\-]+)")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_register_online_get_mail_switch_to_in_person(app, page, live_url, make_event,
                                                      smtp_server):
    app.config.update({**smtp_server.config, "BASE_URL": live_url})
    event = make_event(title="Digital Futures Roundtable", capacity_in_person=5)

    page.goto(f"{live_url}/events/{event.slug}")
    page.get_by_role("link", name="Register").first.click()
    page.wait_for_url(re.compile(r"/register$"))
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_label("Organization", exact=True).fill("Analytical Engines")
    page.get_by_label("Country", exact=True).select_option("GB")
    page.get_by_label("Stakeholder type").select_option("academia")
    page.get_by_label("Online", exact=True).check()
    page.get_by_label("List my name").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert "/r/" in page.url
    main = page.locator("main").inner_text()
    assert "You are registered (online)" in main and "Keep this page" in main

    # The mail goes out through the outbox to a real SMTP server.
    delivery.deliver()
    [mail] = smtp_server.wait_for("ada@example.org")
    assert "confirmed" in mail["Subject"]
    link = LINK.search(body_text(mail)).group(1)

    # A fresh browser context: only the link from the mail, no cookies.
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844},
                                               is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(link)
        assert phone.locator("[data-modality]").first.inner_text() == "Online"
        assert _no_horizontal_scroll(phone)
        with phone.expect_navigation():
            phone.get_by_role("button", name="Switch to in person").click()
        # A confirmed place is given up: the confirmation page says what will happen.
        asked = phone.locator("main").inner_text()
        assert "Switch to in person?" in asked and "Your online place is released" in asked
        assert _no_horizontal_scroll(phone)
        with phone.expect_navigation():
            phone.get_by_role("button", name="Switch to in person").click()
        assert "you now take part in person" in phone.locator("main").inner_text()
        assert phone.locator("[data-modality]").first.inner_text() == "In person"
        assert phone.locator("[data-status]").first.inner_text() == "Confirmed"
        phone.screenshot(path="/tmp/registration-manage-phone.png", full_page=True)
    finally:
        context.close()
    delivery.deliver()
    kinds = [m["Subject"] for m in smtp_server.to("ada@example.org")]
    assert len(kinds) == 2 and "has changed" in kinds[1]


def test_full_in_person_offers_waiting_list_or_online(app, page, live_url, make_event, db):
    from datetime import datetime

    from eventsapp.models import Modality, Registration, RegistrationStatus
    from eventsapp.security import hash_token

    event = make_event(title="Packed Roundtable", capacity_in_person=1)
    db.session.add(Registration(event_id=event.id, name="First", email="first@example.org",
                                modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED,
                                manage_token_hash=hash_token("first"),
                                created_at=datetime.now(UTC)))
    db.session.commit()
    page.goto(f"{live_url}/events/{event.slug}/register")
    page.screenshot(path="/tmp/registration-form-full.png", full_page=True)
    page.get_by_label("Full name").fill("Second Person")
    page.get_by_label("Email", exact=True).fill("second@example.org")
    page.get_by_label("Join the waiting list").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert page.locator("[data-status]").first.inner_text() == "Waiting list"
