"""Letters of invitation for visas: who may ask, the fields' rules, the organizers'
decision and its mails (through a real SMTP server), the letter PDF in English and
Arabic (its text layer, and OCR for the shaped Arabic), erasure with the registration
and after the event, and privacy: the passport number never in URLs, logs, exports or
lists."""
from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from eventsapp.mail import delivery
from eventsapp.models import (
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    VisaLetterRequest,
    VisaLetterStatus,
)
from eventsapp.registration import visa
from eventsapp.security import hash_token, new_token

from .conftest import login
from .test_badges_scripts import assert_reads, pdf_pages

PASSPORT = "PC7391046"
ARABIC_NAME = "محمد بن عبد الله"
GOOD = {"nationality": "RW", "passport_number": "pc 739-1046", "date_of_birth": "1985-04-12",
        "passport_expires_on": (date.today() + timedelta(days=900)).isoformat()}


@pytest.fixture
def visa_event(make_event):
    def make(**kw):
        values = {"title": "Digital Development Roundtable", "visa_letters": True,
                  "visa_organizer": "International Telecommunication Union",
                  "visa_signatory_name": "Doreen Bogdan-Martin",
                  "visa_signatory_title": "Secretary-General"}
        values.update(kw)
        return make_event(**values)
    return make


@pytest.fixture
def add_reg(db):
    counter = {"n": 0}

    def make(event, **kw):
        counter["n"] += 1
        token = new_token()
        values = {"event_id": event.id, "name": f"Visitor {counter['n']}",
                  "email": f"visitor{counter['n']}@example.org", "modality": Modality.IN_PERSON,
                  "status": RegistrationStatus.CONFIRMED, "manage_token_hash": hash_token(token),
                  "badge_code": new_token(), "join_token": new_token(), "language": "en"}
        values.update(kw)
        reg = Registration(**values)
        db.session.add(reg)
        db.session.commit()
        return reg, token

    return make


def request_row(db, reg) -> VisaLetterRequest | None:
    db.session.rollback()
    return db.session.scalar(sa.select(VisaLetterRequest).where(
        VisaLetterRequest.registration_id == reg.id).execution_options(populate_existing=True))


def ask(client, token, **overrides):
    return client.post(f"/r/{token}/visa", data={**GOOD, **overrides})


def organizer_of(make_user, client, event):
    user = make_user(organizer_of=event)
    login(client, user)
    return user


# ------------------------------------------------------------------ who may ask


def test_confirmed_in_person_registrant_asks_from_the_manage_page(app, db, client, visa_event,
                                                                    add_reg):
    event = visa_event()
    reg, token = add_reg(event)
    page = client.get(f"/r/{token}").text
    assert "Letter of invitation for a visa" in page and f"/r/{token}/visa" in page
    form = client.get(f"/r/{token}/visa")
    assert form.status_code == 200 and 'name="passport_number"' in form.text
    resp = ask(client, token)
    assert resp.status_code == 302 and PASSPORT not in resp.headers["Location"]
    req = request_row(db, reg)
    assert (req.nationality, req.passport_number, req.date_of_birth) == (
        "RW", PASSPORT, date(1985, 4, 12))
    assert req.status is VisaLetterStatus.REQUESTED
    page = client.get(f"/r/{token}").text
    assert 'data-visa-status="requested"' in page
    # Corrected before the decision: the same request, new details.
    assert ask(client, token, passport_number="PC 7391 0471 2345 6789 01").status_code == 302
    assert request_row(db, reg).passport_number == "PC739104712345678901"  # 20, spaced
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetterRequest)) == 1


@pytest.mark.parametrize("case", ["online", "waitlisted", "pending", "cancelled", "off",
                                  "over", "erased"])
def test_others_cannot_ask(app, db, client, visa_event, add_reg, case):
    now = datetime.now(UTC)
    event = visa_event(**({"visa_letters": False} if case == "off" else {}),
                       **({"starts_at": now - timedelta(days=3), "ends_at": now - timedelta(days=1)}
                          if case == "over" else {}))
    reg_kw = {"online": {"modality": Modality.ONLINE},
              "waitlisted": {"status": RegistrationStatus.WAITLISTED},
              "pending": {"status": RegistrationStatus.PENDING},
              "cancelled": {"status": RegistrationStatus.CANCELLED},
              "erased": {"erased_at": now}}.get(case, {})
    reg, token = add_reg(event, **reg_kw)
    page = client.get(f"/r/{token}")
    assert "data-visa" not in page.text
    assert client.get(f"/r/{token}/visa").status_code == 404
    assert ask(client, token).status_code == 404
    assert request_row(db, reg) is None
    with pytest.raises(visa.Conflict):
        visa.submit(reg.id, GOOD)
    assert request_row(db, reg) is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("passport_number", "12", "5 to 20 letters and digits"),
    ("passport_number", "PC739<>1046", "5 to 20 letters and digits"),
    ("passport_number", "", "Enter your passport number."),
    ("passport_number", "A1234567890123456789B", "5 to 20 letters and digits"),
    ("nationality", "", "Choose your nationality."),
    ("nationality", "Atlantis", "country"),
    ("date_of_birth", "", "Enter your date of birth."),
    ("date_of_birth", "1850-01-01", "between 1900"),
    ("date_of_birth", "1901-01-01", "more than 120 years old"),
    ("date_of_birth", (date.today() + timedelta(days=3)).isoformat(), "in the past"),
    ("date_of_birth", "12/04/1985", "YYYY-MM-DD"),
    ("passport_expires_on", "2001-01-01", "expired"),
])
def test_fields_are_validated(app, db, client, visa_event, add_reg, field, value, message):
    reg, token = add_reg(visa_event())
    resp = ask(client, token, **{field: value})
    assert resp.status_code == 422
    assert message.lower() in resp.text.lower()
    assert request_row(db, reg) is None  # nothing half-written


# ------------------------------------------------------------------ the decision and its mails


def deliver_to(smtp_server, address):
    delivery.deliver()
    return smtp_server.to(address)


def body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_approval_mails_a_fresh_link_and_the_letter_downloads(app, db, client, make_user,
                                                             visa_event, add_reg, smtp_server):
    app.config.update(smtp_server.config)
    event = visa_event()
    reg, token = add_reg(event, language="fr", name="Amélie Nkurunziza")
    assert ask(client, token).status_code == 302
    assert client.get(f"/r/{token}/visa/letter.pdf").status_code == 404  # not approved yet
    req = request_row(db, reg)
    organizer_of(make_user, client, event)
    base = f"/events/{event.slug}/registrations/visa-letters"
    listing = client.get(base).text
    assert "Amélie Nkurunziza" in listing and PASSPORT not in listing
    detail = client.get(f"{base}/{req.id}").text
    assert PASSPORT in detail  # the request's own page shows it
    resp = client.post(f"{base}/{req.id}/approve", data={})
    assert resp.status_code == 302
    req = request_row(db, reg)
    assert req.status is VisaLetterStatus.APPROVED and req.decided_at and req.decided_by_id
    [msg] = deliver_to(smtp_server, reg.email)
    assert " ".join(msg["Subject"].split()) == (
        "Votre lettre d’invitation pour Digital Development Roundtable est prête")
    text = body(msg)
    assert PASSPORT not in text
    [link] = re.findall(r"http://localhost/r/\S+", text)
    fresh = link.removeprefix("http://localhost")
    assert fresh != f"/r/{token}"
    anon = app.test_client()
    page = anon.get(fresh).text
    assert 'data-visa-status="approved"' in page
    pdf = anon.get(f"{fresh}/visa/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"{base}/{req.id}/letter.pdf").status_code == 200
    # Decided: the registrant can no longer change the details, the organizer not decide again.
    assert ask(anon, token).status_code == 409
    assert client.post(f"{base}/{req.id}/decline", data={"confirm": "1"}).status_code == 302
    assert request_row(db, reg).status is VisaLetterStatus.APPROVED


def test_decline_asks_first_then_mails(app, db, client, make_user, visa_event, add_reg,
                                       smtp_server):
    app.config.update(smtp_server.config)
    event = visa_event()
    reg, token = add_reg(event)
    ask(client, token)
    req = request_row(db, reg)
    organizer_of(make_user, client, event)
    url = f"/events/{event.slug}/registrations/visa-letters/{req.id}/decline"
    page = client.post(url, data={})
    assert page.status_code == 200 and "What will happen" in page.text
    assert request_row(db, reg).status is VisaLetterStatus.REQUESTED
    assert client.post(url, data={"confirm": "1"}).status_code == 302
    assert request_row(db, reg).status is VisaLetterStatus.DECLINED
    [msg] = deliver_to(smtp_server, reg.email)
    assert " ".join(msg["Subject"].split()) == (
        "Your request for a letter of invitation for Digital Development Roundtable")
    assert "could not issue a letter of invitation" in body(msg)
    assert app.test_client().get(f"/r/{token}/visa/letter.pdf").status_code == 404
    assert 'data-visa-status="declined"' in app.test_client().get(f"/r/{token}/visa").text


def test_a_registration_cancelled_after_approval_has_no_letter(app, db, client, make_user,
                                                               visa_event, add_reg):
    event = visa_event()
    reg, token = add_reg(event)
    ask(client, token)
    user = make_user(organizer_of=event)
    visa.approve(event, request_row(db, reg).id, user)
    assert client.get(f"/r/{token}/visa/letter.pdf").status_code == 200
    db.session.get(Registration, reg.id).status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert client.get(f"/r/{token}/visa/letter.pdf").status_code == 404


# ------------------------------------------------------------------ the letter


def letter(db, client, make_user, event, reg, token) -> bytes:
    ask(client, token)
    visa.approve(event, request_row(db, reg).id, make_user(organizer_of=event))
    resp = client.get(f"/r/{token}/visa/letter.pdf")
    assert resp.status_code == 200
    return resp.data


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_letter_in_english(app, db, client, make_user, visa_event, add_reg):
    event = visa_event()
    reg, token = add_reg(event, name="Doreen Nyiraneza")
    text = " ".join(pdf_text(letter(db, client, make_user, event, reg, token)).split())
    for expected in ("Digital Development Roundtable", "International Telecommunication Union",
                     "Test Centre", "Letter of invitation", "To the consulate, to whom it may concern",
                     "Doreen Nyiraneza", "Rwanda", "April 12, 1985", PASSPORT,
                     "Doreen Bogdan-Martin", "Secretary-General"):
        assert expected in text, expected


def test_letter_in_arabic_reads_back(app, db, client, make_user, visa_event, add_reg):
    event = visa_event()
    reg, token = add_reg(event, name=ARABIC_NAME, language="ar")
    data = letter(db, client, make_user, event, reg, token)
    (page,) = pdf_pages(data, dpi=200)
    w, h = page.size
    body_part = page.crop((0, int(h * 0.12), w, int(h * 0.55)))
    assert_reads(body_part, ARABIC_NAME, "ara", 0)  # joined, right to left, as a person reads
    assert_reads(body_part, "خطاب دعوة", "ara", 0)  # the heading in the registrant's language
    # Latin runs keep their text layer (pdfium's extraction reorders a mixed line
    # right to left: the number's letters and digits come apart).
    text = pdf_text(data)
    assert "PC" in text and "7391046" in text and "Doreen Bogdan-Martin" in text


# ------------------------------------------------------------------ erasure


def test_erasing_the_registration_erases_the_passport(app, db, client, make_user, visa_event,
                                                      add_reg):
    event = visa_event()
    reg, token = add_reg(event)
    ask(client, token)
    organizer_of(make_user, client, event)
    resp = client.post(f"/events/{event.slug}/registrations/{reg.id}/erase",
                       data={"confirm": "1"})
    assert resp.status_code == 302
    req = request_row(db, reg)
    assert req.erased_at is not None
    assert (req.nationality, req.passport_number, req.date_of_birth,
            req.passport_expires_on) == ("", "", None, None)
    page = client.get(f"/events/{event.slug}/registrations/visa-letters/{req.id}").text
    assert PASSPORT not in page and "Erased" in page


def test_cli_erases_after_the_event(app, db, client, make_user, visa_event, add_reg):
    now = datetime.now(UTC)
    past = visa_event(starts_at=now + timedelta(days=1))
    reg_past, token_past = add_reg(past)
    ask(client, token_past)
    future = visa_event()
    reg_future, token_future = add_reg(future)
    ask(client, token_future)
    # The first event ended three days ago.
    db.session.execute(sa.update(type(past)).where(type(past).id == past.id).values(
        starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=3)))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["registration", "erase-visa-data", "--days", "5"])
    assert result.exit_code == 0 and "erased: 0" in result.output
    assert request_row(db, reg_past).erased_at is None
    app.config["VISA_ERASE_AFTER_DAYS"] = 2
    result = runner.invoke(args=["registration", "erase-visa-data"])
    assert result.exit_code == 0 and "erased: 1" in result.output, result.output
    assert request_row(db, reg_past).passport_number == ""
    assert request_row(db, reg_future).passport_number == PASSPORT
    result = runner.invoke(args=["registration", "erase-visa-data", "--days", "0"])
    assert "erased: 0" in result.output  # idempotent


# ------------------------------------------------------------------ privacy


def test_passport_never_in_lists_exports_api_or_logs(app, db, client, make_user, visa_event,
                                                     add_reg, api_token, caplog):
    caplog.set_level(logging.DEBUG)
    event = visa_event()
    reg, token = add_reg(event)
    ask(client, token)
    user = organizer_of(make_user, client, event)
    req = request_row(db, reg)
    visa.approve(event, req.id, user)
    for url in (f"/events/{event.slug}/registrations/",
                f"/events/{event.slug}/registrations/{reg.id}",
                f"/events/{event.slug}/registrations/export.csv",
                f"/events/{event.slug}/registrations/visa-letters",
                f"/events/{event.slug}/outbox"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert PASSPORT not in resp.text, url
    rows = list(csv.reader(io.StringIO(client.get(
        f"/events/{event.slug}/registrations/export.csv").text)))
    assert not any(PASSPORT in cell for row in rows for cell in row)
    headers = api_token(user)
    api = app.test_client()
    listed = api.get(f"/api/v1/events/{event.slug}/registrations", headers=headers)
    assert listed.status_code == 200 and PASSPORT not in listed.text
    listed = api.get(f"/api/v1/events/{event.slug}/visa-letters", headers=headers)
    assert listed.status_code == 200 and PASSPORT not in listed.text
    [row] = listed.get_json()["requests"]
    assert "passport_number" not in row and row["status"] == "approved"
    one = api.get(f"/api/v1/events/{event.slug}/visa-letters/{req.id}", headers=headers)
    assert one.get_json()["passport_number"] == PASSPORT
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mails and not any(PASSPORT in (m.body_text or "") + (m.body_html or "") for m in mails)
    assert PASSPORT not in caplog.text and "739-1046" not in caplog.text


def test_api_decides(app, db, client, make_user, visa_event, add_reg, api_token):
    event = visa_event()
    reg, token = add_reg(event)
    ask(client, token)
    req = request_row(db, reg)
    headers = api_token(make_user(organizer_of=event))
    base = f"/api/v1/events/{event.slug}/visa-letters/{req.id}"
    resp = client.post(f"{base}/decline", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "declined"
    again = client.post(f"{base}/approve", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "visa_decided"
    assert client.get(f"/api/v1/events/{event.slug}/visa-letters/999999",
                      headers=headers).status_code == 404


def test_settings_page_and_api(app, db, client, make_event, make_user, api_token):
    event = make_event()
    assert event.visa_letters is False  # off by default
    user = organizer_of(make_user, client, event)
    page = client.get(f"/events/{event.slug}/registrations/settings").text
    assert 'name="visa_letters"' in page and 'name="visa_signatory_title"' in page
    resp = client.patch(f"/api/v1/events/{event.slug}/registration-settings",
                        headers=api_token(user),
                        json={"visa_letters": True, "visa_organizer": "ITU",
                              "visa_signatory_name": "Ada", "visa_signatory_title": "Director"})
    assert resp.status_code == 200, resp.get_json()
    got = resp.get_json()
    assert (got["visa_letters"], got["visa_organizer"], got["visa_signatory_name"],
            got["visa_signatory_title"]) == (True, "ITU", "Ada", "Director")
    nav = client.get(f"/events/{event.slug}/registrations/").text
    assert f"/events/{event.slug}/registrations/visa-letters" in nav
    resp = client.patch(f"/api/v1/events/{event.slug}/registration-settings",
                        headers=api_token(user), json={"visa_organizer": "x" * 201})
    assert resp.status_code == 422
