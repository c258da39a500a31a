"""The private manage link: see the registration, switch modality, cancel, register again;
cancellations hand places to the waiting list."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.registration import services
from eventsapp.security import hash_token, new_token


@pytest.fixture
def add_reg(db):
    """Insert a registration with a known manage token; returns (registration, token)."""
    counter = {"n": 0}

    def make(event, *, modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED,
             email=None, waitlisted_at=None, **kw):
        counter["n"] += 1
        token = new_token()
        now = datetime.now(UTC)
        reg = Registration(
            event_id=event.id, name=kw.pop("name", f"Person {counter['n']}"),
            email=email or f"person{counter['n']}@example.org", modality=modality, status=status,
            category=Category.PARTICIPANT, manage_token_hash=hash_token(token),
            badge_code=kw.pop("badge_code", new_token()), join_token=kw.pop("join_token", new_token()),
            waitlisted_at=waitlisted_at or (now + timedelta(seconds=counter["n"])
                                            if status is RegistrationStatus.WAITLISTED else None),
            **kw)
        db.session.add(reg)
        db.session.commit()
        return reg, token

    return make


def reload(db, reg):
    db.session.rollback()
    return db.session.get(Registration, reg.id, populate_existing=True)


def kinds(db, to):
    db.session.rollback()
    return [m.kind for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id))]


def test_manage_page_shows_the_registration_and_its_links(client, make_event, add_reg):
    event = make_event()
    _reg, token = add_reg(event, name="Ada Lovelace")
    resp = client.get(f"/r/{token}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "noindex" in resp.headers["X-Robots-Tag"]
    body = resp.get_data(as_text=True)
    assert "Ada Lovelace" in body and "Confirmed" in body and "In person" in body
    assert f"/events/{event.slug}/programme.ics" in body
    assert "Switch to online" in body and "Cancel my registration" in body


@pytest.mark.parametrize("token", ["nope", "x" * 300, "Zm9yZ2VkLXRva2VuLW9mLTE5Mi1iaXRz"])
def test_unknown_manage_token_is_404(client, token):
    assert client.get(f"/r/{token}").status_code == 404
    assert client.post(f"/r/{token}/cancel", data={"confirm": "y"}).status_code == 404


def test_switch_online_to_in_person_when_a_place_is_free(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    reg, token = add_reg(event, modality=Modality.ONLINE)
    resp = client.post(f"/r/{token}/modality", data={"modality": "in_person", "confirm": "1"})
    assert resp.status_code == 302
    reg = reload(db, reg)
    assert reg.modality is Modality.IN_PERSON and reg.status is RegistrationStatus.CONFIRMED
    assert kinds(db, reg.email) == ["registration_modality_changed"]


def test_switch_to_full_in_person_is_refused(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    reg, token = add_reg(event, modality=Modality.ONLINE)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "full at the moment" in page
    resp = client.post(f"/r/{token}/modality", data={"modality": "in_person", "confirm": "1"},
                       follow_redirects=True)
    assert "In-person places are full" in resp.get_data(as_text=True)
    assert reload(db, reg).modality is Modality.ONLINE


def test_switch_in_person_to_online_gives_the_place_to_the_waiting_list(client, db, make_event,
                                                                         add_reg):
    event = make_event(capacity_in_person=1)
    reg, token = add_reg(event)
    waiting, _ = add_reg(event, status=RegistrationStatus.WAITLISTED)
    # Asked first (test_confirm.py): the confirmation page's button sends confirm=1.
    client.post(f"/r/{token}/modality", data={"modality": "online", "confirm": "1"})
    assert reload(db, reg).modality is Modality.ONLINE
    waiting = reload(db, waiting)
    assert waiting.status is RegistrationStatus.CONFIRMED
    assert kinds(db, waiting.email) == ["registration_promoted"]


def test_waitlisted_person_can_switch_to_online(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    reg, token = add_reg(event, status=RegistrationStatus.WAITLISTED)
    client.post(f"/r/{token}/modality", data={"modality": "online"})
    reg = reload(db, reg)
    assert reg.status is RegistrationStatus.CONFIRMED and reg.modality is Modality.ONLINE
    assert reg.waitlisted_at is None


def test_unknown_modality_on_switch_is_refused(client, db, make_event, add_reg):
    event = make_event()
    reg, token = add_reg(event)
    resp = client.post(f"/r/{token}/modality", data={"modality": "hologram"}, follow_redirects=True)
    assert resp.status_code == 200 and "Unknown" in resp.get_data(as_text=True)
    assert reload(db, reg).modality is Modality.IN_PERSON


def test_cancel_needs_confirmation(client, db, make_event, add_reg):
    event = make_event()
    reg, token = add_reg(event)
    resp = client.post(f"/r/{token}/cancel", data={})
    assert resp.status_code == 200 and "What will happen" in resp.get_data(as_text=True)
    assert 'name="confirm" value="1"' in resp.get_data(as_text=True)
    assert reload(db, reg).status is RegistrationStatus.CONFIRMED
    assert kinds(db, reg.email) == []


def test_cancel_kills_badge_and_join_and_promotes_the_first_waiting(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    reg, token = add_reg(event)
    now = datetime.now(UTC)
    second, _ = add_reg(event, status=RegistrationStatus.WAITLISTED, waitlisted_at=now)
    first, _ = add_reg(event, status=RegistrationStatus.WAITLISTED,
                       waitlisted_at=now - timedelta(minutes=5))
    resp = client.post(f"/r/{token}/cancel", data={"confirm": "y"})
    assert resp.status_code == 302
    reg = reload(db, reg)
    assert reg.status is RegistrationStatus.CANCELLED and reg.cancelled_at is not None
    assert reg.badge_code is None and reg.join_token is None
    assert kinds(db, reg.email) == ["registration_cancelled"]
    assert reload(db, first).status is RegistrationStatus.CONFIRMED  # by waitlisted_at
    assert reload(db, second).status is RegistrationStatus.WAITLISTED
    assert kinds(db, first.email) == ["registration_promoted"]
    assert kinds(db, second.email) == []
    # The link still shows the (cancelled) registration, and cancelling twice is refused.
    assert "Cancelled" in client.get(f"/r/{token}").get_data(as_text=True)
    again = client.post(f"/r/{token}/cancel", data={"confirm": "y"}, follow_redirects=True)
    assert "already cancelled" in again.get_data(as_text=True)


def test_cancelling_online_does_not_promote_in_person(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    waiting, _ = add_reg(event, status=RegistrationStatus.WAITLISTED)
    online, token = add_reg(event, modality=Modality.ONLINE)
    resp = client.post(f"/r/{token}/cancel", data={"confirm": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/r/{token}")
    assert "Your registration is cancelled." in client.get(f"/r/{token}").get_data(as_text=True)
    # The online cancellation is done and told ...
    assert reload(db, online).status is RegistrationStatus.CANCELLED
    assert kinds(db, online.email) == ["registration_cancelled"]
    # ... and the in-person waiting list is untouched: no place was freed there.
    assert reload(db, waiting).status is RegistrationStatus.WAITLISTED
    assert kinds(db, waiting.email) == []


def test_register_again_after_cancelling(client, db, make_event, add_reg):
    event = make_event()
    reg, token = add_reg(event, status=RegistrationStatus.CANCELLED, badge_code=None,
                         join_token=None)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Register again" in page
    resp = client.post(f"/r/{token}/register-again", data={"if_full": "waitlist"})
    assert resp.status_code == 302
    new = resp.headers["Location"].split("/r/")[1]
    reg = reload(db, reg)
    assert reg.status is RegistrationStatus.CONFIRMED and reg.badge_code and reg.join_token
    assert reg.manage_token_hash == hash_token(new)
    assert client.get(f"/r/{token}").status_code == 404


def test_capacity_raised_serves_the_waiting_list_before_newcomers(db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    waiting, _ = add_reg(event, status=RegistrationStatus.WAITLISTED)
    event.capacity_in_person = 2
    db.session.commit()
    result = services.register(event.id, {"name": "New", "email": "new@example.org",
                                          "modality": "in_person"},
                               if_full=services.IfFull.WAITLIST)
    assert reload(db, waiting).status is RegistrationStatus.CONFIRMED
    assert result.registration.status is RegistrationStatus.WAITLISTED
