"""Registration settings: the organizers' page and the API (window, approval and public
categories, capacities, promotion mode, online roles, privacy notice), and what each
setting changes for registrants."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    Event,
    EventFormat,
    Modality,
    OutboxMessage,
    PromotionMode,
    Registration,
    RegistrationStatus,
)
from eventsapp.registration.settings import settings_view
from eventsapp.security import hash_token, new_token
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture

from .conftest import login

KIGALI = ZoneInfo("Africa/Kigali")  # UTC+2, no DST


def fresh(db, event) -> Event:
    db.session.rollback()
    return db.session.get(Event, event.id, populate_existing=True)


def regs(db, event) -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.id)))


def mails(db, kind=None) -> list[OutboxMessage]:
    db.session.rollback()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        q = q.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(q))


@pytest.fixture
def organizer(make_event, make_user, client):
    """(event, signed-in client, organizer) for a hybrid event in Kigali."""
    def make(**kw):
        event = make_event(**kw)
        user = make_user(organizer_of=event)
        login(client, user)
        return event, user
    return make


def page_form(event: Event, **kw) -> dict:
    """The settings page as posted with the event's values, changed by ``kw``."""
    def local(when):
        return event.local(when).strftime("%Y-%m-%dT%H:%M") if when else ""

    data = {
        "registration_opens_at": local(event.registration_opens_at),
        "registration_closes_at": local(event.registration_closes_at),
        "public_categories": [c.value for c in event.public_categories],
        "approval_categories": [c.value for c in event.approval_categories],
        "capacity_in_person": "" if event.capacity_in_person is None else str(event.capacity_in_person),
        "capacity_online": "" if event.capacity_online is None else str(event.capacity_online),
        "waitlist_promotion": event.waitlist_promotion.value, "offer_hours": str(event.offer_hours),
        "privacy_notice": event.privacy_notice,
    }
    if event.online_roles:
        data["online_roles"] = "y"
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------ the page


def test_settings_page_is_linked_and_shows_the_current_settings(client, organizer):
    event, _user = organizer(capacity_in_person=80, privacy_notice="We keep it safe.")
    nav = client.get(f"/events/{event.slug}/registrations/").get_data(as_text=True)
    assert f"/events/{event.slug}/registrations/settings" in nav
    resp = client.get(f"/events/{event.slug}/registrations/settings")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'name="capacity_in_person"' in page and 'value="80"' in page
    assert event.local(event.registration_opens_at).strftime("%Y-%m-%dT%H:%M") in page
    assert "Africa/Kigali" in page and "We keep it safe." in page
    # Every input is labelled.
    for name in ("registration_opens_at", "registration_closes_at", "capacity_in_person",
                 "capacity_online", "offer_hours", "privacy_notice", "online_roles"):
        assert f'for="{name}"' in page, name


def test_settings_page_saves_every_setting(client, db, organizer):
    event, _user = organizer()
    start = event.local(event.starts_at)
    opens, closes = start - timedelta(days=20), start - timedelta(days=1, hours=3)
    resp = client.post(f"/events/{event.slug}/registrations/settings", data=page_form(
        event,
        registration_opens_at=opens.strftime("%Y-%m-%dT%H:%M"),
        registration_closes_at=closes.strftime("%Y-%m-%dT%H:%M"),
        public_categories=["participant", "press"], approval_categories=["press", "vip"],
        capacity_in_person="50", capacity_online="", waitlist_promotion="offer",
        offer_hours="24", online_roles="y", privacy_notice="Line one <b>bold?</b>\r\nLine two"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    e = fresh(db, event)
    # Event-local times, stored as the UTC instants they mean (Kigali is UTC+2).
    assert e.registration_opens_at == opens.replace(tzinfo=None).replace(tzinfo=KIGALI).astimezone(UTC)
    assert e.registration_closes_at == closes.replace(tzinfo=None).replace(tzinfo=KIGALI).astimezone(UTC)
    assert e.public_categories == {Category.PARTICIPANT, Category.PRESS}
    assert e.approval_categories == {Category.PRESS, Category.VIP}
    assert (e.capacity_in_person, e.capacity_online) == (50, None)
    assert e.waitlist_promotion is PromotionMode.OFFER and e.offer_hours == 24
    assert e.online_roles is True
    assert e.privacy_notice == "Line one <b>bold?</b>\nLine two"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Registration settings saved." in page


def test_unticking_every_approval_category_confirms_at_once(client, db, organizer):
    event, _user = organizer(registration_requires_approval=True)
    assert fresh(db, event).approval_categories == set(Category)
    form = page_form(fresh(db, event))
    del form["approval_categories"]  # no box ticked: nothing is posted for them
    assert client.post(f"/events/{event.slug}/registrations/settings", data=form).status_code == 302
    assert fresh(db, event).approval_categories == frozenset()


BAD_PAGE_INPUT = [
    ({"registration_opens_at": "2031-05-02T10:00", "registration_closes_at": "2031-05-01T10:00"},
     "registration_closes_at", "Must be after the opening."),
    ({"capacity_in_person": "-1"}, "capacity_in_person", "A whole number from 0"),
    ({"capacity_online": "many"}, "capacity_online", "Not a valid integer."),
    ({"public_categories": []}, "public_categories", "Offer at least one category to the public."),
    ({"approval_categories": ["press", "alien"]}, "approval_categories", "Unknown category"),
    ({"waitlist_promotion": "lottery"}, "waitlist_promotion", "Unknown way to give places"),
    ({"offer_hours": "0"}, "offer_hours", "A whole number from 1 to 720."),
    ({"offer_hours": "721"}, "offer_hours", "A whole number from 1 to 720."),
    ({"registration_opens_at": "tomorrow"}, "registration_opens_at", "Not an ISO 8601"),
    ({"registration_opens_at": "1850-01-01T10:00"}, "registration_opens_at", "between 1970 and 2100"),
    ({"privacy_notice": "x" * 5001}, "privacy_notice", "At most 5000 characters."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_PAGE_INPUT)
def test_settings_page_refuses_bad_input_next_to_the_field(client, db, organizer, change, field,
                                                           message):
    event, _user = organizer(capacity_in_person=10)
    before = settings_view(fresh(db, event))
    resp = client.post(f"/events/{event.slug}/registrations/settings",
                       data=page_form(fresh(db, event), **change))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'id="{field}-error"' in page, page[page.find("errors") - 300:][:900]
    error = page[page.index(f'id="{field}-error"'):][:400]
    assert message.lower() in error.lower()
    assert settings_view(fresh(db, event)) == before  # nothing written


def test_a_time_in_a_dst_gap_is_refused(client, db, organizer):
    event, _user = organizer(timezone="Europe/Zurich")
    before = settings_view(fresh(db, event))
    # 31 March 2030, 02:30 does not exist in Zurich (clocks go from 02:00 to 03:00).
    resp = client.post(f"/events/{event.slug}/registrations/settings",
                       data=page_form(fresh(db, event), registration_opens_at="2030-03-31T02:30"))
    assert resp.status_code == 422
    assert 'id="registration_opens_at-error"' in resp.get_data(as_text=True)
    assert settings_view(fresh(db, event)) == before


def test_settings_page_is_for_the_events_organizers(client, make_event, make_user):
    event, other = make_event(), make_event()
    login(client, make_user(organizer_of=other))
    url = f"/events/{event.slug}/registrations/settings"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"public_categories": ["vip"]}).status_code == 403


# ------------------------------------------------------------------ the API


def api(client, headers, event, method="GET", body=None):
    return client.open(f"/api/v1/events/{event.slug}/registration-settings", method=method,
                       json=body, headers=headers)


def test_api_shows_the_settings_in_the_events_zone(client, make_event, make_user, api_token):
    event = make_event(capacity_in_person=40, approval_categories=frozenset({Category.VIP}))
    token = api_token(make_user(organizer_of=event))
    resp = api(client, token, event)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["timezone"] == "Africa/Kigali"
    assert body["registration_opens_at"].endswith("+02:00")
    assert datetime.fromisoformat(body["registration_opens_at"]) == event.registration_opens_at
    assert body["approval_categories"] == ["vip"] and body["public_categories"] == ["participant"]
    assert body["capacity_in_person"] == 40 and body["capacity_online"] is None
    assert body["waitlist_promotion"] == "immediate" and body["offer_hours"] == 48
    assert body["online_roles"] is False and body["privacy_notice"] == ""


def test_api_patch_changes_only_what_it_sends(client, db, make_event, make_user, api_token):
    event = make_event(capacity_in_person=40)
    token = api_token(make_user(organizer_of=event))
    resp = api(client, token, event, "PATCH", {
        "approval_categories": ["Press", "speaker"],  # labels or values, any case
        "registration_closes_at": "2031-01-10T18:00",  # event-local
        "waitlist_promotion": "offer", "offer_hours": 12})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["approval_categories"] == ["speaker", "press"]
    assert body["registration_closes_at"] == "2031-01-10T18:00:00+02:00"
    e = fresh(db, event)
    assert e.registration_closes_at == datetime(2031, 1, 10, 16, tzinfo=UTC)
    assert e.capacity_in_person == 40 and e.public_categories == {Category.PARTICIPANT}
    assert e.offers_places and e.offer_hours == 12


BAD_API_INPUT = [
    ({}, "_schema"),
    ({"registration_closes_at": "2000-01-01T10:00"}, "registration_closes_at"),  # before opening
    ({"approval_categories": ["alien"]}, "approval_categories"),
    ({"approval_categories": "press"}, "approval_categories"),
    ({"public_categories": []}, "public_categories"),
    ({"capacity_in_person": -1}, "capacity_in_person"),
    ({"capacity_online": True}, "capacity_online"),
    ({"offer_hours": None}, "offer_hours"),
    ({"offer_hours": 1000}, "offer_hours"),
    ({"online_roles": "maybe"}, "online_roles"),
    ({"privacy_notice": "nul\x00"}, "privacy_notice"),
    ({"registration_opens_at": "2030-13-01T10:00"}, "registration_opens_at"),
    ({"secret": 1}, "secret"),
]


@pytest.mark.parametrize(("body", "field"), BAD_API_INPUT)
def test_api_patch_refuses_bad_input_with_422(client, db, make_event, make_user, api_token, body,
                                              field):
    event = make_event()
    token = api_token(make_user(organizer_of=event))
    before = settings_view(fresh(db, event))
    resp = api(client, token, event, "PATCH", body)
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert field in {key.split(".")[0] for key in error["fields"]}, error  # "x.0": an item
    assert settings_view(fresh(db, event)) == before


def test_api_settings_are_for_the_events_organizers(client, db, make_event, make_user, api_token):
    event, other = make_event(), make_event()
    token = api_token(make_user(organizer_of=other))
    assert api(client, token, event).status_code == 403
    assert api(client, token, event, "PATCH", {"capacity_in_person": 1}).status_code == 403
    assert client.get(f"/api/v1/events/{event.slug}/registration-settings").status_code == 401
    assert fresh(db, event).capacity_in_person == 100


def test_openapi_documents_the_settings_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/events/{slug}/registration-settings"]
    assert {"get", "patch"} <= set(path)
    assert {"200", "401", "403", "404", "422"} <= set(path["patch"]["responses"])
    ref = path["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    props = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert props["approval_categories"]["items"]["enum"] == [c.value for c in Category]
    assert props["offer_hours"]["maximum"] == 720


# ------------------------------------------------------------------ what the settings change


def register_api(client, event, email, **kw):
    return client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": "Someone", "email": email, "modality": "in_person", **kw})


def test_approval_is_per_category(client, db, make_event, fast_path):  # noqa: F811
    event = make_event(approval_categories=frozenset({Category.PRESS}),
                       public_categories=frozenset({Category.PARTICIPANT, Category.PRESS}))
    assert register_api(client, event, "p@example.org").get_json()["status"] == "confirmed"
    resp = register_api(client, event, "j@example.org", category="press")
    assert resp.status_code == 201 and resp.get_json()["status"] == "pending"
    by_email = {r.email: r for r in regs(db, event)}
    assert by_email["j@example.org"].category is Category.PRESS
    assert by_email["p@example.org"].category is Category.PARTICIPANT
    assert {m.to_address: m.kind for m in mails(db)} == {
        "p@example.org": "registration_confirmation", "j@example.org": "registration_pending"}


def test_approval_per_category_on_the_form_and_when_registering_again(client, db, make_event):
    event = make_event(approval_categories=frozenset({Category.PARTICIPANT}))
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "confirmed by the organizers" in page
    resp = client.post(f"/events/{event.slug}/register", data={
        "name": "Ada", "email": "ada@example.org", "modality": "in_person"})
    assert resp.status_code == 302
    [reg] = regs(db, event)
    assert reg.status is RegistrationStatus.PENDING


def test_public_categories_the_form_offers_and_the_api_enforces(client, db, make_event):
    event = make_event(public_categories=frozenset({Category.PARTICIPANT, Category.PRESS}),
                       approval_categories=frozenset({Category.PRESS}))
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'name="category" type="radio" value="press"' in page or \
        ('value="press"' in page and 'name="category"' in page)
    assert 'value="vip"' not in page
    assert "Registrations as press are confirmed by the organizers" in page
    resp = register_api(client, event, "v@example.org", category="vip")
    assert resp.status_code == 422
    assert "category" in resp.get_json()["error"]["fields"]
    assert regs(db, event) == [] and mails(db) == []
    resp = client.post(f"/events/{event.slug}/register", data={
        "name": "Jo", "email": "jo@example.org", "modality": "in_person", "category": "press"})
    assert resp.status_code == 302
    [reg] = regs(db, event)
    assert reg.category is Category.PRESS and reg.status is RegistrationStatus.PENDING


def test_the_only_public_category_is_taken_when_none_is_chosen(client, db, make_event,
                                                                 fast_path):  # noqa: F811
    event = make_event(public_categories=frozenset({Category.PRESS}))
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'name="category"' not in page  # nothing to choose
    assert register_api(client, event, "j@example.org").status_code == 201
    [reg] = regs(db, event)
    assert reg.category is Category.PRESS
    assert register_api(client, event, "p@example.org", category="participant").status_code == 422


def test_organizers_register_people_in_non_public_categories(client, db, make_event, make_user):
    event = make_event()  # participant only
    login(client, make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/registrations/new", data={
        "name": "Very Important", "email": "vip@example.org", "modality": "in_person",
        "category": "vip"})
    assert resp.status_code == 302
    [reg] = regs(db, event)
    assert reg.category is Category.VIP


def test_privacy_notice_is_shown_next_to_the_consent_as_entered(client, make_event):
    event = make_event(privacy_notice="We keep your data for 1 year.\n<script>alert(1)</script>")
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    region = page[page.index("data-privacy-notice"):]
    assert 'aria-labelledby="privacy-h"' in page and '<h2 id="privacy-h">Privacy notice</h2>' in region
    assert "We keep your data for 1 year.\n&lt;script&gt;alert(1)&lt;/script&gt;" in region
    assert "<script>alert(1)" not in page
    # Next to the consent: the checkbox follows the notice.
    assert region.index("consent_listed") < 2000
    plain = client.get(f"/events/{make_event().slug}/register").get_data(as_text=True)
    assert "data-privacy-notice" not in plain


@pytest.mark.parametrize(("online_roles", "modality", "category", "label"), [
    (True, Modality.ONLINE, Category.SPEAKER, "Online speaker"),
    (True, Modality.ONLINE, Category.PARTICIPANT, "Viewer"),
    (True, Modality.IN_PERSON, Category.SPEAKER, None),
    (False, Modality.ONLINE, Category.SPEAKER, None),
])
def test_online_role_label_on_the_registration(client, db, make_event, make_user, online_roles,
                                               modality, category, label):
    event = make_event(online_roles=online_roles, format=EventFormat.HYBRID)
    reg = Registration(event_id=event.id, name="Remote", email="remote@example.org",
                       modality=modality, category=category, status=RegistrationStatus.CONFIRMED,
                       manage_token_hash=hash_token(new_token()))
    db.session.add(reg)
    db.session.commit()
    login(client, make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/registrations/{reg.id}").get_data(as_text=True)
    if label is None:
        assert "data-online-role" not in page
    else:
        assert f"<dd data-online-role>{label}</dd>" in page


def test_the_window_set_in_the_settings_opens_and_closes_registration(client, db, make_event,
                                                                      make_user):
    event = make_event()
    login(client, make_user(organizer_of=event))
    later = event.local(datetime.now(UTC) + timedelta(days=3))
    form = page_form(fresh(db, event), registration_opens_at=later.strftime("%Y-%m-%dT%H:%M"))
    assert client.post(f"/events/{event.slug}/registrations/settings", data=form).status_code == 302
    resp = register_api(client, event, "early@example.org")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "registration_closed"
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Registration opens on" in page
