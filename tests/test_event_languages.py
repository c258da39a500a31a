"""An event's languages: the default and those offered (schema, form, API), the locale a
page of the event gets, translated titles and descriptions where people read them (pages,
mails, calendars), and a registrant's choice of language for their mails."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from icalendar import Calendar

from eventsapp.errors import ValidationFailed
from eventsapp.mail import delivery
from eventsapp.models import Event, EventTranslation, OutboxMessage, Registration
from eventsapp.programme import schemas, services
from eventsapp.registration.mails import SUBJECTS

FR_TITLE = "Réunion annuelle Partner2Connect"
AR_TITLE = "الاجتماع السنوي لتحالف Partner2Connect"
FR_DESCRIPTION = "Une réunion en présentiel et en ligne."
TITLE = "Partner2Connect Annual Meeting"


def lang_of(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


@pytest.fixture
def translated(make_event, db):
    """An event written in English, offered in Arabic, English, French and Spanish, with
    French and Arabic titles (only French has a description) and none in Spanish."""
    event = make_event(title=TITLE, description="An in-person and online meeting.",
                       languages=("ar", "en", "fr", "es"))
    event.translations["fr"] = EventTranslation(language="fr", title=FR_TITLE,
                                                description=FR_DESCRIPTION)
    event.translations["ar"] = EventTranslation(language="ar", title=AR_TITLE)
    db.session.commit()
    return event


def event_values(**kw) -> dict:
    values = {"title": "Languages", "timezone": "Europe/Zurich",
              "starts_at": "2031-05-06T09:00", "ends_at": "2031-05-06T17:00"}
    values.update(kw)
    return values


# ------------------------------------------------------------------ the rules (schema)

def test_schema_orders_and_deduplicates_languages_and_drops_empty_translations(app):
    data = schemas.event_values(event_values(
        default_language="FR", languages=["fr", "en", "ar", "fr"],
        translations={"en": {"title": "Languages (English)", "description": " "},
                      "ar": {"title": "", "description": ""}}))
    assert data["default_language"] == "fr"
    assert data["languages"] == ["ar", "en", "fr"]  # the UN order
    assert data["translations"] == {"en": {"title": "Languages (English)", "description": ""}}


@pytest.mark.parametrize(("values", "field"), [
    ({"default_language": "fr", "languages": ["en", "es"]}, "default_language"),
    # A new event offers its default language only, unless told otherwise.
    ({"default_language": "fr", "translations": {"en": {"title": "Languages"}}},
     "translations.en"),
    ({"languages": ["en", "de"]}, "languages.1"),
    ({"languages": []}, "languages"),
    ({"languages": None}, "languages"),
    ({"default_language": "xx", "languages": ["en"]}, "default_language"),
    ({"languages": ["en", "fr"], "translations": {"es": {"title": "Idiomas"}}},
     "translations.es"),
    ({"languages": ["en", "fr"], "translations": {"en": {"title": "Languages"}}},
     "translations.en"),
    ({"languages": ["en", "fr"], "translations": {"fr": {"title": "x" * 201}}},
     "translations.fr.title"),
    ({"languages": ["en", "fr"], "translations": {"fr": "Langues"}}, "translations.fr"),
])
def test_schema_refuses_inconsistent_languages(app, values, field):
    with pytest.raises(ValidationFailed) as caught:
        schemas.event_values(event_values(**values))
    assert any(key == field or key.startswith(field + ".") for key in caught.value.fields), \
        caught.value.fields


def test_a_change_is_checked_against_the_stored_languages(app, db, make_event):
    event = make_event(languages=("en", "fr"))
    with pytest.raises(ValidationFailed) as caught:
        services.update_event(event, {"languages": ["fr", "es"]})  # default en dropped
    assert "default_language" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.update_event(event, {"translations": {"es": {"title": "Evento"}}})
    assert "translations.es" in caught.value.fields
    services.update_event(event, {"default_language": "fr"})
    db.session.expire_all()
    assert db.session.get(Event, event.id).default_language == "fr"


def test_translations_follow_the_languages_offered(app, db, translated):
    services.update_event(translated, {"languages": ["ar", "en", "es"]})  # French dropped
    db.session.expire_all()
    event = db.session.get(Event, translated.id)
    assert set(event.translations) == {"ar"} and event.languages == ("ar", "en", "es")
    services.update_event(event, {"languages": ["ar", "es"], "default_language": "ar"})
    db.session.expire_all()
    # Now written in Arabic: the Arabic title is the title; English, no longer offered,
    # goes; no translation row is left behind.
    event = db.session.get(Event, translated.id)
    assert event.title == AR_TITLE and event.translations == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventTranslation)) == 0


def test_switching_the_default_language_keeps_every_text(app, db, translated):
    """English to French: the French text becomes the text as written, the English one
    becomes the English translation; nothing typed is lost (it used to be deleted)."""
    services.update_event(translated, {"default_language": "fr"})
    db.session.expire_all()
    event = db.session.get(Event, translated.id)
    assert (event.default_language, event.title, event.description) == \
        ("fr", FR_TITLE, FR_DESCRIPTION)
    assert set(event.translations) == {"ar", "en"}
    assert (event.translations["en"].title, event.translations["en"].description) == \
        (TITLE, "An in-person and online meeting.")
    assert event.translations["ar"].title == AR_TITLE
    # Switching back restores the original arrangement.
    services.update_event(event, {"default_language": "en"})
    db.session.expire_all()
    event = db.session.get(Event, translated.id)
    assert (event.title, set(event.translations)) == (TITLE, {"ar", "fr"})
    assert event.translations["fr"].description == FR_DESCRIPTION


def test_a_new_title_typed_with_the_new_default_language_is_kept(app, db, translated):
    services.update_event(translated, {"default_language": "fr", "title": "Titre retapé"})
    db.session.expire_all()
    event = db.session.get(Event, translated.id)
    assert event.title == "Titre retapé" and "fr" not in event.translations


# ------------------------------------------------------------------ the API

def test_api_creates_reads_and_changes_languages(app, client, db, make_user, api_token):
    headers = api_token(make_user(is_admin=True))
    body = event_values(default_language="en", languages=["en", "fr", "ar"],
                        translations={"fr": {"title": "Langues", "description": "Texte"}})
    resp = client.post("/api/v1/events", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    out = resp.get_json()
    assert out["default_language"] == "en" and out["languages"] == ["ar", "en", "fr"]
    assert out["translations"] == {"fr": {"title": "Langues", "description": "Texte"}}
    slug = out["slug"]
    public = client.get(f"/api/v1/events/{slug}", headers=headers).get_json()
    assert public["languages"] == ["ar", "en", "fr"] and public["translations"]["fr"]["title"] \
        == "Langues"

    resp = client.patch(f"/api/v1/events/{slug}", headers=headers,
                        json={"translations": {"ar": {"title": "اللغات"}}})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["translations"] == {"ar": {"title": "اللغات", "description": ""}}


@pytest.mark.parametrize(("body", "field"), [
    ({"default_language": "fr", "languages": ["en"]}, "default_language"),
    ({"languages": ["en", "klingon"]}, "languages.1"),
    ({"languages": "en"}, None),  # a comma-separated string is accepted
    ({"translations": {"fr": {"title": "Langues"}}}, "translations.fr"),
    ({"translations": {"zz": {"title": "?"}}}, "translations.zz"),
])
def test_api_answers_422_with_the_field(app, client, db, make_user, make_event, api_token,
                                        body, field):
    event = make_event(languages=("en",))
    headers = api_token(make_user(organizer_of=event))
    resp = client.patch(f"/api/v1/events/{event.slug}", json=body, headers=headers)
    if field is None:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return
    assert resp.status_code == 422, resp.get_data(as_text=True)
    fields = resp.get_json()["error"]["fields"]
    assert any(key == field or key.startswith(field + ".") for key in fields), fields
    db.session.expire_all()
    assert db.session.get(Event, event.id).languages == ("en",)  # nothing half-written


# ------------------------------------------------------------------ the organizer's form

def form_data(**kw) -> dict:
    data = {"title": TITLE, "kind": "annual_meeting", "format": "hybrid",
            "timezone": "Europe/Zurich", "start_date": "2031-12-12", "start_time": "14:00",
            "end_date": "2031-12-12", "end_time": "19:00", "default_language": "en",
            "languages": ["en", "fr", "ar"]}
    data.update(kw)
    return data


def test_form_round_trip(app, db, make_user, login_as):
    client = login_as(make_user(is_admin=True))
    page = client.get("/events/new").get_data(as_text=True)
    assert 'name="default_language"' in page and 'name="languages"' in page
    assert "data-translation=" not in page  # a new event: English only

    resp = client.post("/events/new", data=form_data())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    event = db.session.scalar(sa.select(Event).where(Event.title == TITLE))
    assert event.languages == ("ar", "en", "fr") and event.default_language == "en"
    edit = f"/events/{event.slug}/edit"
    page = client.get(edit).get_data(as_text=True)
    # A fieldset per offered language but the default.
    assert set(re.findall(r'data-translation="([a-z]+)"', page)) == {"ar", "fr"}
    assert 'id="tr_fr_title"' in page and 'id="tr_en_title"' not in page

    resp = client.post(edit, data=form_data(tr_fr_title=FR_TITLE,
                                            tr_fr_description=FR_DESCRIPTION,
                                            tr_ar_title=AR_TITLE))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = client.get(edit).get_data(as_text=True)
    assert f'value="{FR_TITLE}"' in page and FR_DESCRIPTION in page and AR_TITLE in page
    assert re.search(r'<input[^>]*id="tr_ar_title"[^>]*dir="rtl"|<input[^>]*dir="rtl"'
                     r'[^>]*id="tr_ar_title"', page)

    # Unticking Arabic deletes its translation; French stays.
    resp = client.post(edit, data=form_data(languages=["en", "fr"], tr_fr_title=FR_TITLE,
                                            tr_ar_title=AR_TITLE))
    assert resp.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert set(event.translations) == {"fr"} and event.translations["fr"].description == ""

    # Writing the event in French now (the select changed, nothing retyped): the French
    # title becomes the title, the English one the English translation.
    resp = client.post(edit, data=form_data(languages=["en", "fr"], default_language="fr",
                                            tr_fr_title=FR_TITLE))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.default_language, event.title) == ("fr", FR_TITLE)
    assert set(event.translations) == {"en"} and event.translations["en"].title == TITLE
    page = client.get(edit).get_data(as_text=True)
    assert f'value="{TITLE}"' in page and 'id="tr_en_title"' in page


def test_form_shows_language_errors_on_the_fields(app, db, make_user, make_event, login_as):
    event = make_event(title=TITLE, languages=("en", "fr"))
    client = login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/edit",
                       data=form_data(default_language="es", languages=["en", "fr"]))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="default_language-error"' in page
    assert "The default language must be one of the languages the event offers." in page
    resp = client.post(f"/events/{event.slug}/edit", data=form_data(languages=[]))
    assert resp.status_code == 422
    assert 'id="languages-error"' in resp.get_data(as_text=True)
    resp = client.post(f"/events/{event.slug}/edit",
                       data=form_data(languages=["en", "fr"], tr_fr_title="x" * 201))
    assert resp.status_code == 422 and 'id="tr_fr_title-error"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).translations == {}


# ------------------------------------------------------------------ which language a page gets

def test_locale_fallback_order(app, db, client, make_event, make_user, login_as):
    event = make_event(default_language="fr", languages=("en", "fr"))
    page = f"/events/{event.slug}"
    # Nothing chosen, no Accept-Language: the event's default.
    assert lang_of(client.get(page).get_data(as_text=True)) == "fr"
    # Accept-Language none of the six: still the event's default.
    assert lang_of(client.get(page, headers={"Accept-Language": "de"}).get_data(
        as_text=True)) == "fr"
    # The browser's language comes before the event's default.
    assert lang_of(client.get(page, headers={"Accept-Language": "es"}).get_data(
        as_text=True)) == "es"
    # A page not of an event: English.
    assert lang_of(client.get("/").get_data(as_text=True)) == "en"
    # The cookie comes before the browser.
    client.set_cookie("lang", "ar")
    assert lang_of(client.get(page, headers={"Accept-Language": "es"}).get_data(
        as_text=True)) == "ar"
    # The account comes before the cookie.
    user = make_user()
    user.language = "zh"
    db.session.commit()
    login_as(user)
    assert lang_of(client.get(page, headers={"Accept-Language": "es"}).get_data(
        as_text=True)) == "zh"


def test_event_default_language_on_other_pages_of_the_event(app, client, make_event):
    event = make_event(default_language="ru", languages=("ru",))
    for path in (f"/events/{event.slug}/programme", f"/events/{event.slug}/register"):
        assert lang_of(client.get(path).get_data(as_text=True)) == "ru", path
    assert lang_of(client.get("/events/no-such-event").get_data(as_text=True)) == "en"


# ------------------------------------------------------------------ translated titles shown

@pytest.mark.parametrize(("language", "title", "description"), [
    ("fr", FR_TITLE, FR_DESCRIPTION),
    ("ar", AR_TITLE, "An in-person and online meeting."),  # no Arabic description
    ("es", TITLE, "An in-person and online meeting."),  # offered, not translated
    ("zh", TITLE, "An in-person and online meeting."),  # not offered
])
def test_event_page_and_home_show_the_title_in_the_viewers_language(
        app, client, translated, language, title, description):
    headers = {"Accept-Language": language}
    page = client.get(f"/events/{translated.slug}", headers=headers).get_data(as_text=True)
    h1 = re.search(r"<h1([^>]*)>(.*?)</h1>", page, re.S)
    assert h1.group(2).strip() == title
    assert f"<title>{title}" in page
    assert f"<p>{description}</p>" in page
    if title == TITLE:
        assert 'lang="en"' in h1.group(1)  # the title as written, marked as English
    else:
        assert "lang=" not in h1.group(1)
    home = client.get("/", headers=headers).get_data(as_text=True)
    assert f">{title}</a></h3>" in home
    others = {FR_TITLE, AR_TITLE} - {title}
    assert not any(other in page or other in home for other in others)


def test_programme_registration_form_and_wall_show_the_translation(app, client, translated):
    fr = {"Accept-Language": "fr"}
    for path in ("programme", "register", "pledges/wall"):
        page = client.get(f"/events/{translated.slug}/{path}", headers=fr).get_data(as_text=True)
        assert FR_TITLE in page and TITLE not in page, path
        page = client.get(f"/events/{translated.slug}/{path}",
                          headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert TITLE in page and FR_TITLE not in page, path


def test_calendar_is_named_in_the_viewers_language(app, client, translated, make_session):
    make_session(translated)
    url = f"/events/{translated.slug}/programme.ics"
    fr = client.get(url, headers={"Accept-Language": "fr"})
    es = client.get(url, headers={"Accept-Language": "es"})
    assert str(Calendar.from_ical(fr.data)["X-WR-CALNAME"]) == FR_TITLE
    assert str(Calendar.from_ical(es.data)["X-WR-CALNAME"]) == TITLE
    assert fr.headers["ETag"] != es.headers["ETag"] and "Accept-Language" in fr.headers["Vary"]
    again = client.get(url, headers={"Accept-Language": "fr", "If-None-Match": fr.headers["ETag"]})
    assert again.status_code == 304


# ------------------------------------------------------------------ mails

def register(client, event, email, language) -> str:
    data = {"name": "Registrant", "email": email, "organization": "Org", "position": "P",
            "country": "RW", "stakeholder_type": "academia", "modality": "in_person",
            "consent_listed": "y", "nonce": "n-" + email}
    resp = client.post(f"/events/{event.slug}/register", data=data,
                       headers={"Accept-Language": language})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"].split("/r/")[1].split("?")[0]


def outbox(db, to) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == to)
                                   .order_by(OutboxMessage.id)))


def subject(app, kind, language, title) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(SUBJECTS[kind], title=title)


def test_mail_subject_and_body_use_the_translated_title(app, client, db, translated):
    register(client, translated, "claude@example.org", "fr")
    register(client, translated, "elena@example.org", "es")
    [fr] = outbox(db, "claude@example.org")
    assert fr.subject == subject(app, "confirmation", "fr", FR_TITLE)
    assert FR_TITLE in fr.body_text and TITLE not in fr.body_text
    [es] = outbox(db, "elena@example.org")
    assert es.subject == subject(app, "confirmation", "es", TITLE)
    assert TITLE in es.body_text and FR_TITLE not in es.body_text


# ------------------------------------------------------------------ the registrant's mail language

def manage_page(client, token) -> str:
    return client.get(f"/r/{token}").get_data(as_text=True)


def options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="language"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'value="([a-z]+)"', select.group(1)) if select else []


def test_registrant_changes_the_language_of_their_mails(app, client, db, translated,
                                                        smtp_server):
    app.config.update(smtp_server.config)
    token = register(client, translated, "badr@example.org", "zh")  # not offered by the event
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "badr@example.org"))
    assert reg.language == "zh"
    page = manage_page(client, token)
    assert 'for="language"' in page  # labelled
    # The event's languages, and the one the registrant has now.
    assert options(page) == ["ar", "zh", "en", "fr", "es"]
    assert re.search(r'<option[^>]*selected[^>]*value="zh"|<option[^>]*value="zh"[^>]*selected',
                     page)

    resp = client.post(f"/r/{token}/language", data={"language": "ru"})  # not offered
    assert resp.status_code == 422 and 'id="language-error"' in resp.get_data(as_text=True)
    resp = client.post(f"/r/{token}/language", data={"language": "../../etc"})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).language == "zh"

    resp = client.post(f"/r/{token}/language", data={"language": "fr"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).language == "fr"
    assert options(manage_page(client, token)) == ["ar", "en", "fr", "es"]  # zh gone now

    # The next mail about the registration comes in French, with the French title.
    assert client.post(f"/r/{token}/cancel", data={"confirm": "y"}).status_code == 302
    delivery.deliver()
    received = smtp_server.to("badr@example.org")
    assert received[-1]["Subject"] == subject(app, "cancelled", "fr", FR_TITLE)


def test_single_language_event_offers_no_choice(app, client, db, make_event):
    event = make_event(languages=("en",))
    token = register(client, event, "ada@example.org", "en")
    assert options(manage_page(client, token)) == []
    assert client.post(f"/r/{token}/language", data={"language": "fr"}).status_code == 422


def test_mail_language_form_needs_the_csrf_token(app, client, db, translated):
    token = register(client, translated, "rita@example.org", "en")
    app.config["WTF_CSRF_ENABLED"] = True
    resp = client.post(f"/r/{token}/language", data={"language": "fr"})
    assert resp.status_code in (400, 422)
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "rita@example.org"))
    assert reg.language == "en"
    page = manage_page(client, token)
    csrf = re.search(r'action="/r/[^"]+/language".*?name="csrf_token"[^>]*value="([^"]+)"',
                     page, re.S).group(1)
    resp = client.post(f"/r/{token}/language", data={"language": "fr", "csrf_token": csrf})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).language == "fr"


# ------------------------------------------------------------------ demo data

def test_demo_events_have_their_languages(app, db, client):
    from eventsapp.demo import load_demo

    load_demo()
    geneva = db.session.scalar(sa.select(Event).where(Event.slug == "p2c-annual-meeting-2023"))
    assert geneva.languages == ("ar", "zh", "en", "fr", "ru", "es")
    assert {"fr", "ar"} <= set(geneva.translations)
    kigali = db.session.scalar(sa.select(Event).where(Event.slug == "p2c-roundtable-kigali-2022"))
    assert kigali.languages == ("en", "fr")
    page = client.get("/events/p2c-annual-meeting-2023",
                      headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert geneva.translations["ar"].title in page
    assert "nothing changed" in str(load_demo())
