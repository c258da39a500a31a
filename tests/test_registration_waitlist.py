"""The waiting list: raising a capacity promotes at once (settings page, event form, both
APIs), a registrant sees their position, offers to accept in time (accept, decline,
expiry by the periodic job, accepting too late), and the fresh manage link in the
promotion and approval mails."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    Modality,
    OutboxMessage,
    PromotionMode,
    Registration,
    RegistrationLink,
    RegistrationStatus,
)
from eventsapp.registration import services
from eventsapp.registration.offers import expire_offers
from eventsapp.security import hash_token, new_token

from .conftest import login

OFFER = {"waitlist_promotion": PromotionMode.OFFER, "offer_hours": 48}


@pytest.fixture
def add_reg(db):
    """Insert a registration with a known manage token; returns (registration, token).
    Waitlisted ones join the list one second apart, in the order they are made."""
    counter = {"n": 0}

    def make(event, *, status=RegistrationStatus.CONFIRMED, modality=Modality.IN_PERSON, **kw):
        counter["n"] += 1
        token = new_token()
        now = datetime.now(UTC)
        reg = Registration(
            event_id=event.id, name=kw.pop("name", f"Person {counter['n']}"),
            email=kw.pop("email", f"person{counter['n']}@example.org"), modality=modality,
            status=status, category=kw.pop("category", Category.PARTICIPANT),
            manage_token_hash=hash_token(token), badge_code=new_token(), join_token=new_token(),
            waitlisted_at=(now - timedelta(hours=1) + timedelta(seconds=counter["n"])
                           if status is RegistrationStatus.WAITLISTED else None),
            confirmed_at=now if status is RegistrationStatus.CONFIRMED else None, **kw)
        db.session.add(reg)
        db.session.commit()
        return reg, token

    return make


def fresh(db, reg) -> Registration:
    db.session.rollback()
    return db.session.get(Registration, reg.id, populate_existing=True)


def mails(db, kind=None, to=None) -> list[OutboxMessage]:
    db.session.rollback()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        q = q.where(OutboxMessage.kind == f"registration_{kind}")
    if to:
        q = q.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(q))


def link_in(mail: OutboxMessage) -> str:
    """The manage token in a mail (http://localhost/r/<token>)."""
    found = re.findall(r"http://localhost/r/([A-Za-z0-9_\-]+)", mail.body_text)
    assert len(found) == 1, mail.body_text
    return found[0]


def waitlist(add_reg, event, n, **kw):
    return [add_reg(event, status=RegistrationStatus.WAITLISTED, **kw) for _ in range(n)]


# ------------------------------------------------------------------ raising a capacity


def test_raising_the_capacity_on_the_settings_page_promotes_in_order(client, db, make_event,
                                                                     make_user, add_reg):
    event = make_event(capacity_in_person=2)
    add_reg(event)
    add_reg(event)
    waiting = waitlist(add_reg, event, 4)
    login(client, make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/registrations/settings").get_data(as_text=True)
    assert 'value="2"' in page
    form = {"public_categories": ["participant"], "capacity_in_person": "4",
            "waitlist_promotion": "immediate", "offer_hours": "48"}
    resp = client.post(f"/events/{event.slug}/registrations/settings", data=form,
                       follow_redirects=True)
    assert "2 people from the waiting list were given places" in resp.get_data(as_text=True)
    statuses = [fresh(db, r).status for r, _ in waiting]
    assert statuses == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITLISTED] * 2
    promoted = mails(db, "promoted")
    assert [m.to_address for m in promoted] == [waiting[0][0].email, waiting[1][0].email]


def test_promotion_mail_carries_a_fresh_manage_link_and_the_old_one_still_works(
        client, db, make_event, add_reg, make_user):
    event = make_event(capacity_in_person=0)
    (reg, old_token), = waitlist(add_reg, event, 1)
    login(client, make_user(organizer_of=event))
    client.post(f"/events/{event.slug}/registrations/settings", data={
        "public_categories": ["participant"], "capacity_in_person": "1",
        "waitlist_promotion": "immediate", "offer_hours": "48"})
    [mail] = mails(db, "promoted")
    token = link_in(mail)
    assert token != old_token
    assert db.session.scalar(sa.select(RegistrationLink.token_hash)
                             .where(RegistrationLink.registration_id == reg.id)) == hash_token(token)
    for t in (token, old_token):
        page = client.get(f"/r/{t}").get_data(as_text=True)
        assert 'data-status="confirmed"' in page


def test_raising_the_capacity_through_the_settings_api_promotes(client, db, make_event, make_user,
                                                                api_token, add_reg):
    event = make_event(capacity_in_person=None, capacity_online=1)
    add_reg(event, modality=Modality.ONLINE)
    waiting = waitlist(add_reg, event, 3, modality=Modality.ONLINE)
    resp = client.patch(f"/api/v1/events/{event.slug}/registration-settings",
                        json={"capacity_online": None},  # no limit: everyone
                        headers=api_token(make_user(organizer_of=event)))
    assert resp.status_code == 200
    assert {fresh(db, r).status for r, _ in waiting} == {RegistrationStatus.CONFIRMED}
    assert len(mails(db, "promoted")) == 3


def test_raising_the_capacity_through_the_event_api_promotes(client, db, make_event, make_user,
                                                             api_token, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    waiting = waitlist(add_reg, event, 2)
    resp = client.patch(f"/api/v1/events/{event.slug}", json={"capacity_in_person": 2},
                        headers=api_token(make_user(organizer_of=event)))
    assert resp.status_code == 200, resp.get_json()
    assert [fresh(db, r).status for r, _ in waiting] == [RegistrationStatus.CONFIRMED,
                                                         RegistrationStatus.WAITLISTED]
    assert [m.to_address for m in mails(db, "promoted")] == [waiting[0][0].email]


def test_raising_the_capacity_on_the_event_form_promotes(client, db, make_event, make_user, add_reg):
    event = make_event(capacity_in_person=1)
    add_reg(event)
    waiting = waitlist(add_reg, event, 2)
    login(client, make_user(organizer_of=event))
    start, end = event.local(event.starts_at), event.local(event.ends_at)
    resp = client.post(f"/events/{event.slug}/edit", data={
        "title": event.title, "kind": event.kind.value, "format": event.format.value,
        "timezone": event.timezone, "venue_name": event.venue_name, "city": event.city,
        "country": event.country, "start_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"), "end_date": end.date().isoformat(),
        "end_time": end.strftime("%H:%M"), "capacity_in_person": "3", "capacity_online": "",
        "published": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert {fresh(db, r).status for r, _ in waiting} == {RegistrationStatus.CONFIRMED}
    assert len(mails(db, "promoted")) == 2


def test_lowering_the_capacity_promotes_nobody(client, db, make_event, make_user, api_token,
                                               add_reg):
    event = make_event(capacity_in_person=2)
    add_reg(event)
    add_reg(event)
    (reg, _), = waitlist(add_reg, event, 1)
    resp = client.patch(f"/api/v1/events/{event.slug}/registration-settings",
                        json={"capacity_in_person": 1},
                        headers=api_token(make_user(organizer_of=event)))
    assert resp.status_code == 200
    assert fresh(db, reg).status is RegistrationStatus.WAITLISTED and mails(db) == []


# ------------------------------------------------------------------ position


def test_a_registrant_sees_their_position_on_the_waiting_list(client, db, make_event, add_reg):
    event = make_event(capacity_in_person=1)
    seat, seat_token = add_reg(event)
    waiting = waitlist(add_reg, event, 3)
    waitlist(add_reg, event, 2, modality=Modality.ONLINE)  # another list: not counted
    event.capacity_online = 0
    db.session.commit()
    third_token = waiting[2][1]
    page = client.get(f"/r/{third_token}").get_data(as_text=True)
    assert "You are number 3 on the waiting list." in page
    assert 'data-waiting-position="3"' in page
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})  # the first gets the seat
    page = client.get(f"/r/{third_token}").get_data(as_text=True)
    assert "You are number 2 on the waiting list." in page
    assert "data-waiting-position" not in client.get(f"/r/{waiting[0][1]}").get_data(as_text=True)


# ------------------------------------------------------------------ offers


def offered_event(make_event, add_reg, *, waiting=3, **kw):
    """Capacity 1, held by a confirmed registration; ``waiting`` people wait; offers 48 h."""
    event = make_event(capacity_in_person=1, **{**OFFER, **kw})
    seat = add_reg(event)
    return event, seat, waitlist(add_reg, event, waiting)


def test_a_freed_place_is_offered_to_the_first_and_held(client, db, make_event, add_reg):
    event, (_seat, seat_token), waiting = offered_event(make_event, add_reg)
    before = datetime.now(UTC)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    first = fresh(db, waiting[0][0])
    assert first.status is RegistrationStatus.OFFERED
    assert before + timedelta(hours=48) - timedelta(minutes=1) < first.offer_expires_at \
        < datetime.now(UTC) + timedelta(hours=48)
    assert first.badge_code  # kept, but an offered place admits nobody yet
    [mail] = mails(db, "offered")
    assert mail.to_address == first.email
    expires = event.local(first.offer_expires_at)
    assert expires.strftime("%H:%M") in mail.body_text and "Africa/Kigali" in mail.body_text
    # The offered place counts against the capacity: a newcomer waits.
    resp = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": "Late", "email": "late@example.org", "modality": "in_person"})
    assert resp.get_json()["status"] == "waitlisted"
    cap = client.get(f"/api/v1/events/{event.slug}").get_json()["capacity"]["in_person"]
    assert (cap["confirmed"], cap["offered"], cap["available"]) == (0, 1, 0)
    # The page (from the mail's fresh link) says until when, in the event's zone.
    page = client.get(f"/r/{link_in(mail)}").get_data(as_text=True)
    assert "A place is yours if you accept by" in page
    assert f"{expires:%A} {expires.day} {expires:%B %Y}, {expires:%H:%M} (Africa/Kigali)" in page
    assert "Accept the place" in page and "Decline the place" in page


def test_accepting_an_offer_confirms_and_mails(client, db, make_event, add_reg):
    event, (_s, seat_token), waiting = offered_event(make_event, add_reg)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    reg, token = waiting[0]
    resp = client.post(f"/r/{token}/offer/accept", follow_redirects=True)
    assert "The place is yours" in resp.get_data(as_text=True)
    reg = fresh(db, reg)
    assert reg.status is RegistrationStatus.CONFIRMED and reg.offer_expires_at is None
    [mail] = mails(db, "confirmation", to=reg.email)
    assert 'data-status="confirmed"' in client.get(f"/r/{link_in(mail)}").get_data(as_text=True)
    assert [fresh(db, r).status for r, _ in waiting[1:]] == [RegistrationStatus.WAITLISTED] * 2
    # Accepting again: nothing more happens.
    resp = client.post(f"/r/{token}/offer/accept", follow_redirects=True)
    assert "No place is offered to this registration." in resp.get_data(as_text=True)
    assert len(mails(db, "confirmation", to=reg.email)) == 1


def test_declining_an_offer_passes_it_to_the_next(client, db, make_event, add_reg):
    event, (_s, seat_token), waiting = offered_event(make_event, add_reg)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    (first, token), (second, _t2) = waiting[0], waiting[1]
    resp = client.post(f"/r/{token}/offer/decline", follow_redirects=True)
    assert "You have declined the place" in resp.get_data(as_text=True)
    assert fresh(db, first).status is RegistrationStatus.CANCELLED
    assert fresh(db, first).offer_expires_at is None  # declined, not expired
    assert fresh(db, second).status is RegistrationStatus.OFFERED
    assert [m.to_address for m in mails(db, "offered")] == [first.email, second.email]
    assert [m.to_address for m in mails(db, "cancelled")] == ["person1@example.org", first.email]


def test_the_job_expires_offers_and_passes_the_place_on(client, db, make_event, add_reg):
    event, (_s, seat_token), waiting = offered_event(make_event, add_reg)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    (first, token), (second, _t2) = waiting[0], waiting[1]
    deadline = fresh(db, first).offer_expires_at
    report = expire_offers(deadline - timedelta(seconds=1))  # not yet
    assert (report.expired, report.promoted) == (0, 0)
    report = expire_offers(deadline)
    assert (report.expired, report.promoted) == (1, 1)
    first = fresh(db, first)
    assert first.status is RegistrationStatus.CANCELLED and first.offer_expires_at == deadline
    assert first.badge_code is None and first.join_token is None
    assert fresh(db, second).status is RegistrationStatus.OFFERED
    assert [m.to_address for m in mails(db, "offer_expired")] == [first.email]
    assert [m.to_address for m in mails(db, "offered")] == [first.email, second.email]
    # A second run finds nothing left.
    assert expire_offers(deadline).expired == 0
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "was not accepted by" in page and "Accept the place" not in page
    # Accepting now: a clear message, nothing changes.
    before = (fresh(db, first).status, fresh(db, second).status, len(mails(db)))
    resp = client.post(f"/r/{token}/offer/accept", follow_redirects=True)
    assert "This offer expired on" in resp.get_data(as_text=True)
    assert (fresh(db, first).status, fresh(db, second).status, len(mails(db))) == before


def test_accepting_after_the_deadline_before_the_job_ran_changes_nothing(client, db, make_event,
                                                                         add_reg):
    event, (_s, seat_token), waiting = offered_event(make_event, add_reg)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    reg, token = waiting[0]
    reg = fresh(db, reg)
    reg.offer_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    n = len(mails(db))
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "was not accepted by" in page and "Accept the place" not in page
    resp = client.post(f"/r/{token}/offer/accept", follow_redirects=True)
    assert "This offer expired on" in resp.get_data(as_text=True)
    assert fresh(db, reg).status is RegistrationStatus.OFFERED and len(mails(db)) == n
    with pytest.raises(services.OfferExpired):
        services.accept_offer(reg.id)


def test_an_offer_holds_until_the_event_starts_at_most(db, make_event, add_reg):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    event, (seat, _t), waiting = offered_event(make_event, add_reg, starts_at=start)
    services.cancel(seat.id)
    assert fresh(db, waiting[0][0]).offer_expires_at == start


def test_an_offered_registration_cannot_switch_modality(client, db, make_event, add_reg):
    event, (_s, seat_token), waiting = offered_event(make_event, add_reg)
    client.post(f"/r/{seat_token}/cancel", data={"confirm": "y"})
    reg, token = waiting[0]
    resp = client.post(f"/r/{token}/modality", data={"modality": "online"}, follow_redirects=True)
    assert "Accept or decline the place offered to you first." in resp.get_data(as_text=True)
    assert fresh(db, reg).modality is Modality.IN_PERSON


def test_raising_the_capacity_of_an_offering_event_makes_offers(client, db, make_event, make_user,
                                                                api_token, add_reg):
    event, _seat, waiting = offered_event(make_event, add_reg)
    client.patch(f"/api/v1/events/{event.slug}/registration-settings",
                 json={"capacity_in_person": 3}, headers=api_token(make_user(organizer_of=event)))
    assert [fresh(db, r).status for r, _ in waiting] == [RegistrationStatus.OFFERED] * 2 + \
        [RegistrationStatus.WAITLISTED]
    assert len(mails(db, "offered")) == 2


def test_expire_offers_command(app, db, make_event, add_reg):
    event, (seat, _t), waiting = offered_event(make_event, add_reg)
    services.cancel(seat.id)
    reg = fresh(db, waiting[0][0])
    reg.offer_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["registration", "expire-offers"])
    assert result.exit_code == 0, result.output
    assert "Offers: 1 expired, 1 passed on" in result.output
    assert fresh(db, waiting[1][0]).status is RegistrationStatus.OFFERED


# ------------------------------------------------------------------ approval


def test_approval_mail_carries_a_fresh_manage_link(client, db, make_event, make_user, add_reg):
    event = make_event(registration_requires_approval=True)
    reg, old_token = add_reg(event, status=RegistrationStatus.PENDING)
    login(client, make_user(organizer_of=event))
    client.post(f"/events/{event.slug}/registrations/{reg.id}/approve")
    [mail] = mails(db, "approved")
    token = link_in(mail)
    assert token != old_token
    for t in (token, old_token):
        assert 'data-status="confirmed"' in client.get(f"/r/{t}").get_data(as_text=True)
