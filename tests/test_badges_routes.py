"""Badges over HTTP: the attendee's PNG/PDF from the manage link, the manage-page slot,
batch printing for organizers (decoded, then checked in), re-issue."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image

from eventsapp.models import (
    Category,
    CheckIn,
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import new_token

from .test_badges_render import decode_image, decode_pdf
from .test_checkin_service import make_registration  # noqa: F401  (fixture)

# ---------------------------------------------------------------- attendee


def test_attendee_png_and_pdf_decode_and_check_in(client, db, make_event, make_user,
                                                  make_registration, api_token):  # noqa: F811
    event = make_event()
    reg, token = make_registration(event, name="Juliana Novaes", category=Category.SPEAKER)
    code = reg.badge_code

    png = client.get(f"/r/{token}/badge.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert "no-store" in png.headers["Cache-Control"]
    decoded_png = decode_image(Image.open(io.BytesIO(png.data)))

    pdf = client.get(f"/r/{token}/badge.pdf?download=1")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    decoded_pdf = [c for c, _ in decode_pdf(pdf.data)[0]]
    assert decoded_png == decoded_pdf == [code]

    headers = api_token(make_user(staff_of=event))
    resp = client.post(f"/api/v1/events/{event.slug}/checkins", json={"code": decoded_png[0]},
                       headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["result"] == "checked_in"
    assert resp.get_json()["registration"]["name"] == "Juliana Novaes"


def test_bad_token_is_404(client, make_event, make_registration):  # noqa: F811
    make_registration(make_event())
    for path in ("/r/not-a-token/badge.png", f"/r/{new_token()}/badge.pdf",
                 "/r/" + "x" * 500 + "/badge.png"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("status,modality,reason", [
    (RegistrationStatus.CONFIRMED, Modality.ONLINE, "online_only"),
    (RegistrationStatus.WAITLISTED, Modality.IN_PERSON, "not_confirmed"),
    (RegistrationStatus.PENDING, Modality.IN_PERSON, "not_confirmed"),
    (RegistrationStatus.CANCELLED, Modality.IN_PERSON, "cancelled"),
    (RegistrationStatus.DECLINED, Modality.IN_PERSON, "declined"),
])
def test_no_valid_badge_gives_a_clear_page(client, make_event, make_registration,  # noqa: F811
                                           status, modality, reason):
    event = make_event()
    _, token = make_registration(event, status=status, modality=modality)
    for ext in ("png", "pdf"):
        resp = client.get(f"/r/{token}/badge.{ext}")
        assert resp.status_code == 409
        assert resp.mimetype == "text/html"
        body = resp.get_data(as_text=True)
        assert f'data-badge-reason="{reason}"' in body
        assert "No badge for this registration" in body


def test_manage_slot_links_to_badge_or_says_why(app, make_event, make_registration):  # noqa: F811
    from flask import render_template

    event = make_event()
    valid, token = make_registration(event)
    online, token2 = make_registration(event, modality=Modality.ONLINE)
    with app.test_request_context():
        html = render_template("badges/_manage_badge.html", registration=valid, event=event,
                               manage_token=token)
        assert f"/r/{token}/badge.pdf" in html and f"/r/{token}/badge.png" in html
        assert valid.badge_code not in html  # the code is in the image, not the page
        html = render_template("badges/_manage_badge.html", registration=online, event=event,
                               manage_token=token2)
        assert "badge.pdf" not in html
        assert 'data-badge-reason="online_only"' in html


def test_manage_page_shows_the_badge_slot(client, make_event, make_registration):  # noqa: F811
    event = make_event()
    _, token = make_registration(event)
    resp = client.get(f"/r/{token}")
    assert resp.status_code == 200
    assert f"/r/{token}/badge.pdf" in resp.get_data(as_text=True)


# ---------------------------------------------------------------- organizer: batch printing


def test_batch_pdf_filters_sorts_marks_printed_and_codes_check_in(
        client, db, make_event, make_user, make_registration, login_as, api_token):  # noqa: F811
    event = make_event()
    organizer = make_user(organizer_of=event)
    names = ["zoe Zulu", "Adam Alpha", "mia Mike", "Bea Bravo", "Carl Charlie"]
    speakers = [make_registration(event, name=n, category=Category.SPEAKER)[0] for n in names]
    press, _ = make_registration(event, name="Aaron Press", category=Category.PRESS)
    make_registration(event, name="Online Only", category=Category.SPEAKER,
                      modality=Modality.ONLINE)
    make_registration(event, name="Waiting Wendy", category=Category.SPEAKER,
                      status=RegistrationStatus.WAITLISTED)
    already = speakers[2]
    already.badge_printed_at = datetime(2030, 1, 1, tzinfo=UTC)
    db.session.commit()

    login_as(organizer)
    resp = client.post(f"/events/{event.slug}/badges/print",
                       data={"category": "speaker", "per_page": "4", "not_printed": "y",
                             "mark_printed": "y"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/pdf"
    pages = decode_pdf(resp.data)
    assert [len(p) for p in pages] == [4]
    codes = [c for page in pages for c, _ in page]
    expected = sorted((r for r in speakers if r is not already), key=lambda r: r.name.lower())
    assert codes == [r.badge_code for r in expected]  # by name, case-insensitive

    db.session.expire_all()
    printed = {r.id: r.badge_printed_at for r in db.session.query(Registration).all()}
    assert all(printed[r.id] is not None for r in expected)
    assert printed[press.id] is None

    # Everything printed now: "not printed yet" finds nothing.
    resp = client.post(f"/events/{event.slug}/badges/print",
                       data={"category": "speaker", "per_page": "8", "not_printed": "y"})
    assert resp.status_code == 302

    # All categories, 8 a page, without marking: press + 5 speakers.
    resp = client.post(f"/events/{event.slug}/badges/print",
                       data={"category": "", "per_page": "8"})
    pages = decode_pdf(resp.data)
    assert [len(p) for p in pages] == [6]
    assert db.session.get(Registration, press.id).badge_printed_at is None

    # Every decoded code checks in at the door.
    headers = api_token(make_user(staff_of=event))
    for code, _ in pages[0]:
        r = client.post(f"/api/v1/events/{event.slug}/checkins", json={"code": code},
                        headers=headers)
        assert r.get_json()["result"] == "checked_in"
    assert db.session.query(CheckIn).count() == 6


def test_print_one_per_page(client, make_event, make_user, make_registration, login_as):  # noqa: F811
    event = make_event()
    regs = [make_registration(event, name=f"P{i}")[0] for i in range(3)]
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/badges/print", data={"per_page": "1"})
    pages = decode_pdf(resp.data, dpi=120)
    assert [[c for c, _ in p] for p in pages] == [[r.badge_code] for r in regs]


def _field_errors(page: str, field: str) -> list[str]:
    """The messages the badge page shows under one field of the print form."""
    # macros/forms.html: the list is tied to the input (the radio group's fieldset) by its id
    found = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', page, re.S)
    if found and field == "per_page":
        block = re.search(r'<fieldset class="per-page has-error"([^>]*)>(.*?)</fieldset>', page, re.S)
        assert block and f'aria-describedby="{field}-error"' in block.group(1)
        assert found.group(0) in block.group(2)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


@pytest.mark.parametrize("data, field, message", [
    ({"per_page": "3"}, "per_page", "Unknown number of badges per page. Use one of: 1, 4, 8."),
    ({"per_page": "x"}, "per_page", "Unknown number of badges per page. Use one of: 1, 4, 8."),
    ({}, "per_page", "Choose how many badges per page."),
    ({"per_page": "4", "category": "alien"}, "category", "Unknown category. Use one of: "),
    ({"per_page": "4", "category": " "}, "category", "Unknown category. Use one of: "),
])
def test_print_bad_input_rerenders(client, db, make_event, make_user, make_registration,  # noqa: F811
                                   login_as, data, field, message):
    """What the organizer relies on: the badge page again, the message under the field
    that is wrong, no PDF, and no badge marked printed (even with "mark printed" ticked)."""
    event = make_event()
    reg, _ = make_registration(event)
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/badges/print",
                       data={**data, "mark_printed": "y", "not_printed": "y"})
    assert resp.status_code == 422
    assert resp.mimetype == "text/html" and "Content-Disposition" not in resp.headers
    page = resp.get_data(as_text=True)
    errors = _field_errors(page, field)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    other = "category" if field == "per_page" else "per_page"
    assert _field_errors(page, other) == []
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).badge_printed_at is None


def test_organizer_page_lists_and_searches(client, make_event, make_user, make_registration,  # noqa: F811
                                           login_as):
    event = make_event()
    make_registration(event, name="Findable Person", organization="Needle Org")
    make_registration(event, name="Other Person")
    login_as(make_user(organizer_of=event))
    body = client.get(f"/events/{event.slug}/badges/").get_data(as_text=True)
    assert "Findable Person" in body and "Other Person" in body
    body = client.get(f"/events/{event.slug}/badges/?q=needle").get_data(as_text=True)
    assert "Findable Person" in body and "Other Person" not in body
    assert client.get(f"/events/{event.slug}/badges/?page=abc").status_code == 200
    assert client.get(f"/events/{event.slug}/badges/?q=%25_").status_code == 200


def test_console_panel_shows_counts(client, make_event, make_user, make_registration, login_as):  # noqa: F811
    event = make_event()
    make_registration(event, category=Category.PRESS)
    login_as(make_user(organizer_of=event))
    body = client.get(f"/events/{event.slug}/console/").get_data(as_text=True)
    assert 'id="panel-badges"' in body
    assert 'data-count="registered-press">1<' in body
    assert f"/events/{event.slug}/checkin" in body


# ---------------------------------------------------------------- re-issue


def test_reissue_new_code_old_stops_mail_queued(client, db, make_event, make_user,
                                                make_registration, login_as):  # noqa: F811
    event = make_event()
    reg, token = make_registration(event, name="Lost Badge")
    reg.badge_printed_at = datetime(2030, 1, 1, tzinfo=UTC)
    db.session.commit()
    old = reg.badge_code
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/badges/{reg.id}/reissue", data={"confirm": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    reg = db.session.get(Registration, reg.id)
    assert reg.badge_code and reg.badge_code != old
    assert reg.badge_printed_at is None  # to be printed again
    mail = db.session.query(OutboxMessage).filter_by(kind="badge_reissued").one()
    assert mail.to_address == reg.email
    assert reg.badge_code not in mail.body_text and old not in mail.body_text

    # The attendee's badge now carries the new code.
    png = client.get(f"/r/{token}/badge.png")
    assert decode_image(Image.open(io.BytesIO(png.data))) == [reg.badge_code]

    r = client.post(f"/events/{event.slug}/checkin/scan", json={"code": old})
    assert r.get_json()["reason"] == "replaced"
    r = client.post(f"/events/{event.slug}/checkin/scan", json={"code": reg.badge_code})
    assert r.get_json()["result"] == "checked_in"


def test_reissue_refused_without_a_badge_and_404_for_other_events(
        client, db, make_event, make_user, make_registration, login_as):  # noqa: F811
    event = make_event()
    other = make_event()
    online, _ = make_registration(event, modality=Modality.ONLINE)
    elsewhere, _ = make_registration(other)
    login_as(make_user(organizer_of=event))
    code = online.badge_code
    resp = client.post(f"/events/{event.slug}/badges/{online.id}/reissue", data={"confirm": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, online.id).badge_code == code
    assert client.post(f"/events/{event.slug}/badges/{elsewhere.id}/reissue").status_code == 404
    assert client.get(f"/events/{event.slug}/badges/{elsewhere.id}/badge.pdf").status_code == 404
