"""Delegation journey: the organizer designates a focal point of a member state; a
delegate registers on its behalf with a note verbale (a real PDF); the focal point signs
in, sees the delegation, downloads the note verbale (the same bytes), approves; the
delegate's registration is confirmed; the focal point's page in Arabic reads right to
left."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from eventsapp.mail import delivery
from eventsapp.models import Organization, StakeholderType
from tests.support.questions_support import question
from tests.support.smtp import body_text

from .conftest import browser_login

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_\-]+)")


def real_pdf() -> bytes:
    """A one-page PDF as a scanner writes it (Pillow's PDF writer)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (200, 120), "white")
    ImageDraw.Draw(img).text((10, 50), "Note verbale No. 14/2026", fill="black")
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=72.0)
    return buf.getvalue()


def test_focal_point_approves_a_delegate_with_a_note_verbale(app, db, browser, page, live_url,
                                                             make_event, make_user, smtp_server,
                                                             tmp_path):
    app.config.update({**smtp_server.config, "BASE_URL": live_url})
    event = make_event(title="Ministerial Roundtable", capacity_in_person=50)
    organizer = make_user("organizer@example.org", name="Olga Organizer", organizer_of=event)
    make_user("focal@example.org", name="Fatou Focal")
    org = Organization(event_id=event.id, name="Republic of Rwanda",
                       kind=StakeholderType.GOVERNMENT, country="RW", max_in_room=2)
    db.session.add(org)
    db.session.commit()
    question(event, "file", "Note verbale", required=True, document_kind="note_verbale")
    db.session.commit()
    pdf = real_pdf()
    note_file = tmp_path / "note-verbale.pdf"
    note_file.write_bytes(pdf)

    # The organizer designates the focal point; the person is told by mail.
    browser_login(page, live_url, organizer.email)
    page.goto(f"{live_url}/events/{event.slug}/organizations/{org.id}/edit")
    page.get_by_label("Email of the focal point's account").fill("focal@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Designate").click()
    assert "Fatou Focal is now a focal point of Republic of Rwanda" in page.locator("main").inner_text()
    delivery.deliver()
    [told] = smtp_server.wait_for("focal@example.org")
    assert "focal point" in told["Subject"] and "/my/delegations" in body_text(told)

    # A delegate registers on behalf of the state, with the note verbale.
    delegate_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    delegate = delegate_ctx.new_page()
    focal_ctx = browser.new_context(viewport={"width": 1280, "height": 800},
                                    accept_downloads=True)
    focal = focal_ctx.new_page()
    try:
        delegate.goto(f"{live_url}/events/{event.slug}/register")
        delegate.get_by_label("Full name").fill("Jean Delegate")
        delegate.get_by_label("Email", exact=True).fill("jean@example.org")
        delegate.get_by_label("On behalf of").select_option(label="Republic of Rwanda")
        delegate.get_by_label("In person", exact=True).check()
        delegate.get_by_label("Note verbale").set_input_files(str(note_file))
        with delegate.expect_navigation():
            delegate.get_by_role("button", name="Register").click()
        assert "/r/" in delegate.url
        assert delegate.locator("[data-status]").first.inner_text() == "Pending approval" or \
            "waiting for approval" in delegate.locator("main").inner_text()
        manage_url = delegate.url.split("?")[0]

        # The focal point signs in and sees the delegation, with the document.
        browser_login(focal, live_url, "focal@example.org")
        focal.goto(f"{live_url}/my/delegations")
        section = focal.locator(f"#org-{org.id}")
        assert "Jean Delegate" in section.inner_text()
        with focal.expect_download() as download:
            section.get_by_role("link", name="note-verbale.pdf").click()
        assert Path(download.value.path()).read_bytes() == pdf
        with focal.expect_navigation():
            section.get_by_role("button", name="Approve Jean Delegate").click()
        assert "Jean Delegate is approved" in focal.locator("main").inner_text()

        # The delegate is confirmed, and told.
        delegate.goto(manage_url)
        assert delegate.locator("[data-status]").first.inner_text() == "Confirmed"
        delivery.deliver()
        subjects = [m["Subject"] for m in smtp_server.wait_for("jean@example.org", 2)]
        assert any("approved" in s for s in subjects), subjects

        # The same page in Arabic reads right to left.
        focal_ctx.add_cookies([{"name": "lang", "value": "ar", "url": live_url}])
        focal.goto(f"{live_url}/my/delegations")
        html = focal.locator("html")
        assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
        assert "Jean Delegate" in focal.locator(f"#org-{org.id}").inner_text()
        focal.screenshot(path="/tmp/delegations-ar.png", full_page=True)
    finally:
        delegate_ctx.close()
        focal_ctx.close()
