"""Mails go in the language the registrant registered in, whoever's request causes them
(an organizer's decision, someone else's cancellation that promotes them)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from eventsapp.models import OutboxMessage, Registration, RegistrationStatus
from eventsapp.registration.mails import SUBJECTS
from eventsapp.registration.organize import add_by_hand
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture


@pytest.fixture
def app_config(app_config, fast_path):  # noqa: F811 - every test here, over both paths
    return {**app_config, "REGISTRATION_FAST_PATH": fast_path}


AR = {"Accept-Language": "ar"}
FR = {"Accept-Language": "fr"}
EN = {"Accept-Language": "en"}


def form(email, **kw):
    data = {"name": "Registrant", "email": email, "organization": "Org", "position": "P",
            "country": "RW", "stakeholder_type": "academia", "modality": "in_person",
            "needs": "", "consent_listed": "y", "nonce": "n-" + email}
    data.update(kw)
    return data


def register(client, event, email, headers, **kw) -> str:
    resp = client.post(f"/events/{event.slug}/register", data=form(email, **kw), headers=headers)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"].split("/r/")[1].split("?")[0]


def reg_of(db, event, email) -> Registration:
    db.session.rollback()
    return db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.email == email)).one()


def mails(db, to):
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == to)
                                   .order_by(OutboxMessage.id)))


def subject(app, kind, language, title) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(SUBJECTS[kind], title=title)


def arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_arabic_registrant_gets_arabic_mails_when_an_english_organizer_decides(
        app, client, db, make_event, make_user, login_as):
    event = make_event(registration_requires_approval=True)
    register(client, event, "amal@example.org", AR)
    register(client, event, "badr@example.org", AR)
    amal = reg_of(db, event, "amal@example.org")
    assert amal.language == "ar"
    [pending] = mails(db, "amal@example.org")
    assert pending.kind == "registration_pending"
    assert pending.subject == subject(app, "pending", "ar", event.title)
    assert arabic(pending.subject) and arabic(pending.body_text)
    assert 'dir="rtl"' in pending.body_html or arabic(pending.body_html)

    organizer = make_user(organizer_of=event)
    organizer.language = "en"
    db.session.commit()
    client = login_as(organizer)
    base = f"/events/{event.slug}/registrations"
    badr = reg_of(db, event, "badr@example.org")
    assert client.post(f"{base}/{amal.id}/approve", headers=EN).status_code == 302
    assert client.post(f"{base}/{badr.id}/decline", data={"confirm": "1"}, headers=EN).status_code == 302
    approved = mails(db, "amal@example.org")[-1]
    declined = mails(db, "badr@example.org")[-1]
    assert approved.kind == "registration_approved"
    assert approved.subject == subject(app, "approved", "ar", event.title)
    assert arabic(approved.body_text)
    assert declined.kind == "registration_declined"
    assert declined.subject == subject(app, "declined", "ar", event.title)
    assert arabic(declined.body_text)
    # The organizer sees the registrant's language on the detail page (in its own name).
    page = client.get(f"{base}/{amal.id}", headers=EN).get_data(as_text=True)
    assert 'data-language="ar"' in page and "العربية" in page


def test_promotion_caused_by_someone_else_goes_in_the_promoted_persons_language(
        app, client, db, make_event):
    event = make_event(capacity_in_person=1)
    token = register(client, event, "claude@example.org", FR)
    register(client, event, "amal@example.org", AR, if_full="waitlist")
    amal = reg_of(db, event, "amal@example.org")
    assert amal.status is RegistrationStatus.WAITLISTED and amal.language == "ar"
    [waiting] = mails(db, "amal@example.org")
    assert waiting.subject == subject(app, "waitlisted", "ar", event.title)
    assert mails(db, "claude@example.org")[0].subject == \
        subject(app, "confirmation", "fr", event.title)

    # The French registrant cancels (in French): the Arabic one is promoted in Arabic.
    resp = client.post(f"/r/{token}/cancel", data={"confirm": "1"}, headers=FR)
    assert resp.status_code == 302
    assert reg_of(db, event, "amal@example.org").status is RegistrationStatus.CONFIRMED
    promoted = mails(db, "amal@example.org")[-1]
    assert promoted.kind == "registration_promoted"
    assert promoted.subject == subject(app, "promoted", "ar", event.title)
    assert arabic(promoted.body_text)
    assert mails(db, "claude@example.org")[-1].subject == \
        subject(app, "cancelled", "fr", event.title)


def test_english_registrant_gets_english_mail_when_a_french_organizer_acts(
        app, client, db, make_event, make_user, login_as):
    event = make_event(registration_requires_approval=True)
    register(client, event, "ada@example.org", EN)
    ada = reg_of(db, event, "ada@example.org")
    assert ada.language == "en"
    organizer = make_user(organizer_of=event)
    organizer.language = "fr"
    db.session.commit()
    client = login_as(organizer)
    page = client.post(f"/events/{event.slug}/registrations/{ada.id}/approve",
                       follow_redirects=True).get_data(as_text=True)
    assert 'lang="fr"' in page  # the organizer's own page is in French
    approved = mails(db, "ada@example.org")[-1]
    assert approved.kind == "registration_approved"
    assert approved.subject == f"Your registration for {event.title} is approved"
    assert "Your registration has been approved." in approved.body_text


def test_api_registration_stores_the_request_language(app, client, db, make_event):
    event = make_event()
    resp = client.post(f"/api/v1/events/{event.slug}/registrations",
                       json={"name": "Elena", "email": "elena@example.org",
                             "modality": "in_person"},
                       headers={"Accept-Language": "es"})
    assert resp.status_code in (201, 202), resp.get_data(as_text=True)
    assert reg_of(db, event, "elena@example.org").language == "es"
    assert mails(db, "elena@example.org")[0].subject == \
        subject(app, "confirmation", "es", event.title)


def test_organizer_added_person_gets_their_accounts_language(app, db, make_event, make_user):
    event = make_event()
    make_user("farid@example.org").language = "ar"
    db.session.commit()
    organizer = make_user(organizer_of=event)
    organizer.language = "fr"
    db.session.commit()
    with app.test_request_context(headers=FR):
        for email in ("farid@example.org", "gina@example.org"):
            add_by_hand(event, {"name": "Someone", "email": email, "modality": "in_person"},
                        organizer)
    assert reg_of(db, event, "farid@example.org").language == "ar"
    assert mails(db, "farid@example.org")[0].subject == \
        subject(app, "confirmation", "ar", event.title)
    assert reg_of(db, event, "gina@example.org").language == "en"
    assert mails(db, "gina@example.org")[0].subject == \
        f"Your registration for {event.title} is confirmed"


def test_offer_mail_sent_by_the_cli_job_gives_its_deadline_in_the_registrants_language(
        app, db, make_event):
    """``flask registration expire-offers`` runs without a request: the offer it passes on
    must still say its deadline in the next person's language, not in English."""
    from datetime import UTC, datetime, timedelta

    from babel.dates import format_date

    from eventsapp.models import Category, Modality, PromotionMode
    from eventsapp.registration import services
    from eventsapp.security import hash_token, new_token

    event = make_event(capacity_in_person=1, waitlist_promotion=PromotionMode.OFFER,
                       offer_hours=48)
    now = datetime.now(UTC)

    def add(n: int, status: RegistrationStatus, language: str) -> Registration:
        reg = Registration(
            event_id=event.id, name=f"Personne {n}", email=f"p{n}@example.org",
            modality=Modality.IN_PERSON, status=status, category=Category.PARTICIPANT,
            manage_token_hash=hash_token(new_token()), badge_code=new_token(),
            join_token=new_token(), language=language,
            waitlisted_at=now - timedelta(hours=1, seconds=-n)
            if status is RegistrationStatus.WAITLISTED else None,
            confirmed_at=now if status is RegistrationStatus.CONFIRMED else None)
        db.session.add(reg)
        db.session.commit()
        return reg

    seat = add(1, RegistrationStatus.CONFIRMED, "en")
    first = add(2, RegistrationStatus.WAITLISTED, "en")
    second = add(3, RegistrationStatus.WAITLISTED, "fr")
    services.cancel(seat.id)
    db.session.rollback()
    first = db.session.get(Registration, first.id, populate_existing=True)
    assert first.status is RegistrationStatus.OFFERED
    first.offer_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["registration", "expire-offers"])
    assert result.exit_code == 0, result.output
    [offer] = [m for m in mails(db, second.email) if m.kind == "registration_offered"]
    deadline = event.local(db.session.get(Registration, second.id).offer_expires_at)
    assert format_date(deadline, "EEEE", locale="fr") in offer.body_text  # "mardi", not "Tuesday"
    assert format_date(deadline, "EEEE", locale="en") not in offer.body_text
