"""No English left for a reader of another language (issue 13): calendar files, badge
PDFs, API errors, marshmallow's own messages, Choice fields, plurals and dates.

Expected texts are read from the catalogs (``_t``) and checked not to be the English,
so an untranslated entry, or a text that never goes through gettext, fails here.
"""
from __future__ import annotations

import inspect
import string
import unicodedata
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext
from icalendar import Calendar
from marshmallow import Schema, fields, validate

from eventsapp.extensions import db
from eventsapp.inputs import LIBRARY_MESSAGES, library_message
from eventsapp.models import Category, Modality, RoleKind, SessionType
from eventsapp.models.types import LabelledEnum
from eventsapp.security import new_token
from tests.permissions.rules_online import make_registration

from .support.i18n import TRANSLATIONS, ensure_compiled

_CATALOGS: dict = {}


@pytest.fixture(autouse=True, scope="module")
def _compiled():
    ensure_compiled()


def _catalog(lang: str):
    if lang not in _CATALOGS:
        with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            _CATALOGS[lang] = read_po(f, locale=lang)
    return _CATALOGS[lang]


def _t(lang: str, msgid: str, **values) -> str:
    """The catalog's translation of ``msgid`` (formatted), checked not to be English."""
    entry = _catalog(lang).get(msgid)
    assert entry is not None and entry.string and entry.string != msgid, (lang, msgid)
    return entry.string % values if values else entry.string


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


# ---------------------------------------------------------------- calendar files

def test_personal_calendar_is_in_the_registrants_language(client, make_event, make_session):
    event = make_event(title="Digital Development Roundtable")
    make_session(event, type=SessionType.HIGH_LEVEL_PANEL, number=1, title="Connectivity")
    reg, _ = make_registration(event, modality=Modality.ONLINE)
    reg.language = "fr"
    db.session.commit()
    # A calendar app fetches it with no cookie and an English Accept-Language.
    resp = client.get(f"/join/{reg.join_token}/calendar.ics", headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    cal = Calendar.from_ical(resp.data)
    assert str(cal["x-wr-calname"]) == _t("fr", "%(event)s (my session links)",
                                         event="Digital Development Roundtable")
    (vevent,) = [c for c in cal.walk("VEVENT")]
    join = _t("fr", "Join online (your personal link): %(url)s", url="")
    assert join.strip() in str(vevent["description"])
    assert str(vevent["summary"]).startswith(_t("fr", SessionType.HIGH_LEVEL_PANEL.label_msgid))
    assert "my session links" not in resp.text and "Join online" not in resp.text


def test_programme_calendar_is_in_the_readers_language_and_cached_apart(
        client, make_event, make_session, make_person):
    from eventsapp.programme.exports import clear_cache

    clear_cache()
    event = make_event()
    make_session(event, type=SessionType.SPOTLIGHT, people=[(make_person("Ana Ruiz"),
                                                              RoleKind.MODERATOR)])
    url = f"/events/{event.slug}/programme.ics"
    french = client.get(url, headers={"Accept-Language": "fr"})
    english = client.get(url, headers={"Accept-Language": "en"})
    (fr_event,) = Calendar.from_ical(french.data).walk("VEVENT")
    (en_event,) = Calendar.from_ical(english.data).walk("VEVENT")
    assert fr_event["categories"].cats == [_t("fr", SessionType.SPOTLIGHT.label_msgid)]
    assert en_event["categories"].cats == [SessionType.SPOTLIGHT.label_msgid]
    assert f"{_t('fr', RoleKind.MODERATOR.label_msgid)}: Ana Ruiz" in str(fr_event["description"])
    assert "Moderator: Ana Ruiz" in str(en_event["description"])
    # One copy per language, and a French copy is not "not modified" for an English reader.
    assert french.headers["ETag"] != english.headers["ETag"]
    assert "Accept-Language" in french.headers["Vary"]
    again = client.get(url, headers={"Accept-Language": "en", "If-None-Match": french.headers["ETag"]})
    assert again.status_code == 200 and b"Spotlight" in again.data
    assert client.get(url, headers={"Accept-Language": "fr", "If-None-Match": french.headers["ETag"]}
                      ).status_code == 304


def test_account_feed_is_in_the_accounts_language(client, make_user):
    user = make_user(name="Olga")
    user.language = "ru"
    user.feed_token = new_token(24)
    db.session.commit()
    resp = client.get(f"/calendar/{user.feed_token}.ics", headers={"Accept-Language": "en"})
    assert str(Calendar.from_ical(resp.data)["x-wr-calname"]) == _t(
        "ru", "My schedule (%(name)s)", name="Olga")


# ---------------------------------------------------------------- badge PDF

def test_badge_pdf_words_are_in_the_registrants_language(client, make_event, make_user, login_as):
    start = datetime(2030, 6, 7, 7, tzinfo=UTC)
    event = make_event(starts_at=start, ends_at=start + timedelta(days=2))
    reg, token = make_registration(event, modality=Modality.IN_PERSON, name="Amina Diallo")
    reg.category, reg.language = Category.SPEAKER, "ar"
    db.session.commit()

    def read(data: bytes) -> tuple[str, str]:
        pdf = pdfium.PdfDocument(data)
        try:
            return pdf[0].get_textpage().get_text_range(), pdf.get_metadata_dict()["Title"]
        finally:
            pdf.close()

    # The attendee's own download, from a browser set to English.
    text, title = read(client.get(f"/r/{token}/badge.pdf", headers={"Accept-Language": "en"}).data)
    arabic_speaker = _t("ar", "Speaker")
    assert _squeeze(arabic_speaker) in _squeeze(text)
    assert "يونيو" in text and "June" not in text and "SPEAKER" not in text  # dates and band
    assert title == _t("ar", "Badge: %(name)s", name="Amina Diallo")
    # Printed by an English-speaking organizer: still the registrant's language.
    organizer = make_user(organizer_of=event)
    login_as(organizer)
    text, _ = read(client.get(f"/events/{event.slug}/badges/{reg.id}/badge.pdf").data)
    assert _squeeze(arabic_speaker) in _squeeze(text) and "SPEAKER" not in text


# ---------------------------------------------------------------- API errors

def test_api_401_in_spanish(client, make_event, make_user, api_token):
    event = make_event()
    url = f"/api/v1/events/{event.slug}/checkins"
    es = {"Accept-Language": "es"}
    resp = client.post(url, json={"code": "x"}, headers=es)
    assert resp.status_code == 401
    assert resp.json["error"]["message"] == _t(
        "es", "Send an API token as 'Authorization: Bearer <token>'.")
    resp = client.post(url, json={"code": "x"}, headers={**es, "Authorization": "Basic abc"})
    assert resp.json["error"]["message"] == _t("es", "Use 'Authorization: Bearer <token>'.")
    resp = client.post(url, json={"code": "x"}, headers={**es, "Authorization": "Bearer nope"})
    assert resp.json["error"]["message"] == _t("es", "The API token is invalid or revoked.")


def test_marshmallow_required_field_in_russian(client, make_event, make_user, api_token):
    event = make_event()
    headers = {**api_token(make_user(organizer_of=event)), "Accept-Language": "ru"}
    resp = client.post(f"/api/v1/events/{event.slug}/checkins", json={}, headers=headers)
    assert resp.status_code == 422
    assert resp.json["error"]["fields"]["code"] == [_t("ru", "Missing data for required field.")]
    assert resp.json["error"]["message"] == _t("ru", "Some fields are not valid.")


def test_api_choice_and_boolean_messages_in_french(client, make_event):
    event = make_event()
    resp = client.post(f"/api/v1/events/{event.slug}/registrations", headers={"Accept-Language": "fr"},
                       json={"name": "Ana", "email": "ana@example.org", "modality": "in_person",
                             "stakeholder_type": "alien", "consent_listed": "maybe"})
    assert resp.status_code == 422
    fields_ = resp.json["error"]["fields"]
    assert fields_["consent_listed"] == [_t("fr", "Not a valid boolean.")]
    (unknown,) = fields_["stakeholder_type"]
    sentence = _t("fr", "Unknown stakeholder type. Use one of: %(allowed)s.")
    assert unknown.startswith(sentence.split("%(allowed)s")[0]) and "government" in unknown


def test_form_shows_marshmallow_messages_in_russian(client, make_event, make_user, login_as):
    event = make_event()
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/rooms", data={"name": "Hall", "capacity": "many"},
                       headers={"Accept-Language": "ru"})
    assert resp.status_code == 422
    assert _t("ru", "Not a valid integer.") in resp.text
    assert "Not a valid integer." not in resp.text


@pytest.mark.parametrize("lang", ["ar", "es", "fr", "ru", "zh"])
def test_every_marshmallow_default_message_is_translated(app, lang):
    """Each default message of the installed marshmallow (fields, validators, Schema), as
    marshmallow formats it, comes out in the reader's language."""
    english = []
    for _name, cls in inspect.getmembers(fields, inspect.isclass):
        for template in getattr(cls, "default_error_messages", {}).values():
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            if "awareness" in names:  # NaiveDateTime and AwareDateTime only
                english += [template.format(obj_type="datetime", awareness=a)
                            for a in ("naive", "aware")]
            elif "obj_type" in names:  # DateTime, Date, Time
                english += [template.format(obj_type=t, input="x y")
                            for t in ("datetime", "date", "time")]
            else:
                english.append(template.format(**{n: "a, b" for n in names}))
    for min_inclusive in (True, False):
        for max_inclusive in (True, False):
            for kw in ({"min": 1}, {"max": 5}, {"min": 1, "max": 5}):
                rng = validate.Range(**kw, min_inclusive=min_inclusive, max_inclusive=max_inclusive)
                english.append(_refusal(rng, 0 if "min" in kw else 9))
    for kw, value in (({"min": 2}, "a"), ({"max": 1}, "ab"), ({"min": 1, "max": 2}, "abc"),
                      ({"equal": 2}, "a")):
        english.append(_refusal(validate.Length(**kw), value))
    english += [_refusal(validate.OneOf(["a", "b"]), "c"), _refusal(validate.Equal(3), 4),
                _refusal(validate.Regexp("^a$"), "b"), _refusal(validate.NoneOf(["a"]), "a"),
                _refusal(validate.ContainsOnly(["a"]), ["b"]),
                _refusal(validate.ContainsNoneOf(["a"]), ["a"])]
    english += list(Schema._default_error_messages.values()) + ["Invalid JSON body."]
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        untranslated = [m for m in english if library_message(m) == m]
    assert not untranslated
    assert len(LIBRARY_MESSAGES) == len(set(LIBRARY_MESSAGES))


def _refusal(validator, value) -> str:
    try:
        validator(value)
    except Exception as exc:  # marshmallow's ValidationError
        return exc.messages[0]
    raise AssertionError(f"{validator!r} accepted {value!r}")


def test_every_labelled_enum_label_is_in_the_catalogs():
    import importlib
    import pkgutil

    import eventsapp

    for module in pkgutil.walk_packages(eventsapp.__path__, "eventsapp."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    missing = [(cls.__name__, m.label_msgid) for cls in subclasses(LabelledEnum) for m in cls
               if _catalog("fr").get(m.label_msgid) is None]
    assert not missing


# ---------------------------------------------------------------- plurals, dates, titles

def test_plural_forms_in_french_and_arabic(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        one = ngettext("%(num)d session of %(total)d is a draft.",
                       "%(num)d sessions of %(total)d are drafts.", 1, total=3)
        two = ngettext("%(num)d session of %(total)d is a draft.",
                       "%(num)d sessions of %(total)d are drafts.", 2, total=3)
    assert one == "1 séance sur 3 est un brouillon."
    assert two == "2 séances sur 3 sont des brouillons."
    # Arabic counts 11-99 and 100-102 with different forms (CLDR "many" and "other").
    with app.test_request_context("/"), force_locale("ar"):
        eleven = ngettext("%(num)d place", "%(num)d places", 11)
        hundred = ngettext("%(num)d place", "%(num)d places", 100)
    assert eleven == "11 مقعدًا" and hundred == "100 مقعد"


def test_publish_page_counts_drafts_in_french(client, make_event, make_session, make_user,
                                               login_as):
    event = make_event()
    make_session(event)
    make_session(event)
    make_session(event, published=False)
    login_as(make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/programme/publish",
                      headers={"Accept-Language": "fr"}).text
    assert "1 séance sur 3 est un brouillon." in page


def test_conflict_warnings_write_dates_in_the_readers_language(app, make_event, make_room,
                                                               make_session):
    from eventsapp.programme.conflicts import find_conflicts

    start = datetime(2030, 6, 7, 8, tzinfo=UTC)  # a Friday
    event = make_event(starts_at=start, timezone="Europe/Paris")
    room = make_room(event)
    a = make_session(event, room=room, starts_at=start, ends_at=start + timedelta(hours=1))
    b = make_session(event, room=room, starts_at=start + timedelta(minutes=30),
                     ends_at=start + timedelta(hours=2))
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        (warning,) = find_conflicts(event, [a, b])
    assert "ven. 7 juin" in warning.message and "Fri" not in warning.message


def test_console_panels_and_sign_in_prompt_are_translated(app, client, make_event, make_user,
                                                          login_as):
    from eventsapp.extensions import login_manager

    event = make_event()
    es = {"Accept-Language": "es"}
    with app.test_request_context("/", headers=es):
        prompt = login_manager.localize_callback(login_manager.login_message)
    assert prompt == _t("es", "Sign in to continue.")
    login_as(make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/console/", headers=es).text
    for title in ("Programme", "Pledges"):
        assert f">{_t('es', title)}</h2>" in page
