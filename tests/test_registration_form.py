"""The public registration form: places, the waiting list, moderation, duplicates and
bad input."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    EventFormat,
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import hash_token
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture


@pytest.fixture
def app_config(app_config, fast_path):  # noqa: F811 - every test here, over both paths
    return {**app_config, "REGISTRATION_FAST_PATH": fast_path}

MANAGE_LINK = re.compile(r"https?://[^/\s]+/r/([A-Za-z0-9_\-]+)")


def form(email="ada@example.org", **kw):
    data = {"name": "Ada Lovelace", "email": email, "organization": "Analytical Engines",
            "position": "Engineer", "country": "United Kingdom",
            "stakeholder_type": "private_sector", "modality": "in_person", "needs": "",
            "consent_listed": "y", "nonce": "n-" + email}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def regs(db, event):
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.id)))


def mails(db, to=None, kind=None):
    db.session.rollback()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        q = q.where(OutboxMessage.to_address == to)
    if kind:
        q = q.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(q))


def fill(db, event, n, modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED):
    """Bulk-insert ``n`` registrations (fast fixtures)."""
    now = datetime.now(UTC)
    db.session.execute(sa.insert(Registration), [
        {"event_id": event.id, "name": f"Filler {i}", "email": f"filler{i}-{modality.value}@example.org",
             "organization": "", "position": "", "country": "", "needs": "", "modality": modality,
             "category": Category.PARTICIPANT, "status": status, "consent_listed": False, "source": "form",
             "over_capacity": False, "manage_token_hash": hash_token(f"filler-{event.id}-{modality.value}-{i}"),
             "created_at": now, "updated_at": now,
             "waitlisted_at": now + timedelta(seconds=i) if status is RegistrationStatus.WAITLISTED else None}
        for i in range(n)])
    db.session.commit()


# ------------------------------------------------------------------ the happy path


def test_form_shows_only_offered_modalities(client, make_event):
    online_only = make_event(format=EventFormat.ONLINE)
    page = client.get(f"/events/{online_only.slug}/register").get_data(as_text=True)
    assert 'value="online"' in page and 'value="in_person"' not in page
    hybrid = make_event()
    page = client.get(f"/events/{hybrid.slug}/register").get_data(as_text=True)
    assert 'value="online"' in page and 'value="in_person"' in page
    for label in ("Full name", "Email", "Organization", "Position", "Country", "Stakeholder type",
                  "Accessibility or dietary needs", "participant list"):
        assert label in page


def test_register_confirms_in_person_and_mails_the_manage_link(client, db, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 302
    token = resp.headers["Location"].split("/r/")[1].split("?")[0]
    assert len(token) >= 22  # 128+ bits, URL-safe
    [reg] = regs(db, event)
    assert reg.status is RegistrationStatus.CONFIRMED and reg.modality is Modality.IN_PERSON
    assert reg.name == "Ada Lovelace" and reg.email == "ada@example.org"
    assert reg.organization == "Analytical Engines" and reg.consent_listed
    assert reg.stakeholder_type.value == "private_sector"
    assert reg.manage_token_hash == hash_token(token)  # only the hash is stored
    assert token not in (reg.badge_code, reg.join_token)
    assert len(reg.badge_code) >= 22 and len(reg.join_token) >= 22
    [mail] = mails(db, "ada@example.org")
    assert mail.kind == "registration_confirmation"
    assert f"/r/{token}" in mail.body_text and "badge" in mail.body_text.lower()
    assert f"/r/{token}" in mail.body_html
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and "Confirmed" in page.get_data(as_text=True)


def test_signed_in_user_is_prefilled_and_linked(login_as, db, make_event, make_user):
    event = make_event()
    user = make_user("grace@example.org", name="Grace Hopper")
    client = login_as(user)
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'value="Grace Hopper"' in page and 'value="grace@example.org"' in page
    client.post(f"/events/{event.slug}/register",
                data=form("Grace@Example.org", name="Grace Hopper"))
    [reg] = regs(db, event)
    assert reg.user_id == user.id and reg.email == "grace@example.org"


def test_registering_someone_else_does_not_link_the_account(login_as, db, make_event, make_user):
    event = make_event()
    client = login_as(make_user("grace@example.org"))
    client.post(f"/events/{event.slug}/register", data=form("colleague@example.org"))
    [reg] = regs(db, event)
    assert reg.user_id is None


# ------------------------------------------------------------------ full, waiting list


def test_full_in_person_offers_the_choice_and_nothing_is_written(client, db, make_event):
    event = make_event(capacity_in_person=2)
    fill(db, event, 2)
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "In-person places are full" in page and 'value="waitlist"' in page
    assert 'value="switch"' in page
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "waiting list" in body and 'value="switch"' in body
    assert len(regs(db, event)) == 2 and mails(db) == []


def test_full_in_person_join_waiting_list(client, db, make_event):
    event = make_event(capacity_in_person=1)
    fill(db, event, 1)
    resp = client.post(f"/events/{event.slug}/register", data=form(if_full="waitlist"))
    assert resp.status_code == 302
    reg = regs(db, event)[-1]
    assert reg.status is RegistrationStatus.WAITLISTED and reg.waitlisted_at is not None
    assert reg.modality is Modality.IN_PERSON
    [mail] = mails(db, "ada@example.org")
    assert mail.kind == "registration_waitlisted" and "/r/" in mail.body_text


def test_full_in_person_follow_online_instead(client, db, make_event):
    event = make_event(capacity_in_person=1)
    fill(db, event, 1)
    client.post(f"/events/{event.slug}/register", data=form(if_full="switch"))
    reg = regs(db, event)[-1]
    assert reg.status is RegistrationStatus.CONFIRMED and reg.modality is Modality.ONLINE


def test_full_everywhere_is_told_full(client, db, make_event):
    event = make_event(format=EventFormat.IN_PERSON, capacity_in_person=1)
    fill(db, event, 1)
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 409
    assert len(regs(db, event)) == 1


def test_moderated_event_leaves_registrations_pending(client, db, make_event):
    event = make_event(registration_requires_approval=True, capacity_in_person=1)
    fill(db, event, 1)  # full: pending takes no place, so it is not refused
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 302
    reg = regs(db, event)[-1]
    assert reg.status is RegistrationStatus.PENDING
    [mail] = mails(db, "ada@example.org")
    assert mail.kind == "registration_pending" and "/r/" in mail.body_text


# ------------------------------------------------------------------ the window


@pytest.mark.parametrize("opens,closes,message", [
    (timedelta(days=2), timedelta(days=10), "Registration opens on"),
    (-timedelta(days=10), -timedelta(days=1), "Registration is closed"),
])
def test_registration_window_is_enforced(client, db, make_event, opens, closes, message):
    now = datetime.now(UTC)
    event = make_event(registration_opens_at=now + opens, registration_closes_at=now + closes)
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert message in page and 'name="email"' not in page
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 409 and message in resp.get_data(as_text=True)
    assert regs(db, event) == [] and mails(db) == []
    event_page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert message in event_page


def test_event_page_slot_shows_register_button_when_open(client, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'href="/events/{event.slug}/register"' in page


def test_event_without_close_date_closes_when_it_ends(client, db, make_event):
    now = datetime.now(UTC)
    event = make_event(starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1),
                       registration_closes_at=None)
    resp = client.post(f"/events/{event.slug}/register", data=form())
    assert resp.status_code == 409
    assert "Registration is closed." in resp.get_data(as_text=True)
    assert regs(db, event) == [] and mails(db) == []


def test_draft_event_registration_is_hidden(client, make_event):
    event = make_event(published=False)
    assert client.get(f"/events/{event.slug}/register").status_code == 404
    assert client.post(f"/events/{event.slug}/register", data=form()).status_code == 404


# ------------------------------------------------------------------ duplicates


def test_duplicate_gets_the_neutral_answer_and_a_fresh_link_by_mail(client, db, make_event):
    event = make_event()
    first = client.post(f"/events/{event.slug}/register", data=form(nonce="first"))
    old_token = first.headers["Location"].split("/r/")[1].split("?")[0]
    # Someone else types the same address (any case), with other details.
    resp = client.post(f"/events/{event.slug}/register",
                       data=form("ADA@example.org", name="Mallory", nonce="other", modality="online"),
                       follow_redirects=True)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "If this address is registered for this event" in body
    assert "Ada Lovelace" not in body and old_token not in body and "/r/" not in body
    [reg] = regs(db, event)
    assert reg.name == "Ada Lovelace" and reg.modality is Modality.IN_PERSON  # unchanged
    fresh = mails(db, "ada@example.org", "registration_manage_link")
    assert len(fresh) == 1
    new_token = MANAGE_LINK.search(fresh[0].body_text).group(1)
    assert new_token != old_token and reg.manage_token_hash == hash_token(old_token)
    # Whoever typed the address sent the holder one more link; the holder's still works.
    assert client.get(f"/r/{old_token}").status_code == 200
    assert client.get(f"/r/{new_token}").status_code == 200


def test_unknown_address_on_lost_link_gets_the_same_answer(client, db, make_event):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(), follow_redirects=True)
    known = client.post(f"/events/{event.slug}/register/link", data={"email": "ada@example.org"},
                        follow_redirects=True).get_data(as_text=True)
    unknown = client.post(f"/events/{event.slug}/register/link", data={"email": "nobody@example.org"},
                          follow_redirects=True).get_data(as_text=True)
    assert known == unknown
    assert len(mails(db, "ada@example.org", "registration_manage_link")) == 1
    assert mails(db, "nobody@example.org") == []


def test_replayed_form_changes_nothing(client, db, make_event):
    event = make_event()
    data = form(nonce="same-form")
    first = client.post(f"/events/{event.slug}/register", data=data)
    token = first.headers["Location"].split("/r/")[1].split("?")[0]
    again = client.post(f"/events/{event.slug}/register", data=data, follow_redirects=True)
    assert again.status_code == 200 and "already sent" in again.get_data(as_text=True)
    assert len(regs(db, event)) == 1
    assert len(mails(db)) == 1  # no second mail, link not rotated
    assert client.get(f"/r/{token}").status_code == 200


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("override,field_name,message", [
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"email": ""}, "email", "email"),
    ({"name": ""}, "name", "name"),
    ({"name": "   "}, "name", "Enter your name"),
    ({"modality": "teleport"}, "modality", "Unknown"),
    ({"modality": None}, "modality", "Choose"),
    ({"stakeholder_type": "alien"}, "stakeholder_type", "Unknown"),
    ({"name": "x" * 201}, "name", "200"),
    ({"organization": "x" * 201}, "organization", "200"),
    ({"needs": "x" * 2001}, "needs", "2000"),
    ({"email": "a" * 250 + "@example.org"}, "email", "254"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(client, db, make_event,
                                                                  override, field_name, message):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data=form(**override))
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert message.lower() in body.lower()
    assert 'class="errors"' in body
    assert regs(db, event) == [] and mails(db) == []


def test_modality_not_offered_is_refused(client, db, make_event):
    event = make_event(format=EventFormat.ONLINE)
    resp = client.post(f"/events/{event.slug}/register", data=form(modality="in_person"))
    assert resp.status_code == 422 and "online only" in resp.get_data(as_text=True)
    assert regs(db, event) == []


def test_control_characters_are_stripped(client, db, make_event):
    event = make_event()
    client.post(f"/events/{event.slug}/register", data=form(name="Ada\r\nBcc: x@evil.org"))
    [reg] = regs(db, event)
    assert "\n" not in reg.name and "\r" not in reg.name


def test_country_is_stored_as_its_code_and_shown_by_name(client, db, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert '<select' in page and '<option value="RW">Rwanda</option>' in page
    client.post(f"/events/{event.slug}/register", data=form(country="RW"))
    [reg] = regs(db, event)
    assert reg.country == "RW"
    listed = client.get(f"/events/{event.slug}/participants").get_data(as_text=True)
    assert "<td>Rwanda</td>" in listed


def test_unknown_country_is_refused_with_a_message(client, db, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data=form(country="Atlantis"))
    assert resp.status_code == 422 and "Unknown country" in resp.get_data(as_text=True)
    assert regs(db, event) == [] and mails(db) == []


def test_a_category_not_offered_to_the_public_is_a_field_error(client, db, make_event):
    event = make_event()  # participant only, as by default
    resp = client.post(f"/events/{event.slug}/register", data=form(category="vip"))
    assert resp.status_code == 422
    assert "“VIP” is not open to public registration" in resp.get_data(as_text=True)
    assert regs(db, event) == [] and mails(db) == []
    client.post(f"/events/{event.slug}/register", data=form())
    [reg] = regs(db, event)
    assert reg.category is Category.PARTICIPANT


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_form_without_csrf_token_is_refused(self, client, db, make_event):
        event = make_event()
        resp = client.post(f"/events/{event.slug}/register", data=form())
        assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
        assert regs(db, event) == []

    def test_form_with_csrf_token_works(self, client, db, make_event):
        event = make_event()
        page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        nonce = re.search(r'id="nonce" name="nonce" type="hidden" value="([^"]+)"', page).group(1)
        resp = client.post(f"/events/{event.slug}/register",
                           data={**form(), "csrf_token": csrf, "nonce": nonce})
        assert resp.status_code == 302
        # The same page sent again (back button, double click) is a replay: no change.
        again = client.post(f"/events/{event.slug}/register",
                            data={**form(), "csrf_token": csrf, "nonce": nonce})
        assert again.status_code == 302 and "check-mail" in again.headers["Location"]
        assert len(regs(db, event)) == 1 and len(mails(db)) == 1


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "REGISTRATION_RATE_LIMIT": "3 per minute"}

    def test_too_many_registrations_from_one_address_get_429(self, client, db, make_event):
        event = make_event()
        codes = [client.post(f"/events/{event.slug}/register",
                             data=form(f"p{i}@example.org")).status_code for i in range(4)]
        assert codes == [302, 302, 302, 429]
        assert len(regs(db, event)) == 3
        # The API shares the budget.
        api = client.post(f"/api/v1/events/{event.slug}/registrations",
                          json={"name": "X", "email": "x@example.org", "modality": "online"})
        assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
        # Another address is not affected.
        other = client.post(f"/events/{event.slug}/register", data=form("q@example.org"),
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other.status_code == 302
