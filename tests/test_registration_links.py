"""Manage links that only their holder controls: asking for the link again adds one and
never disables the holder's; "my link leaked" replaces every secret the manage page
reveals (manage links, join secret and calendar feed, badge code)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from eventsapp.badges.services import CHECKED_IN, INVALID, check_in
from eventsapp.models import OutboxMessage, Registration
from eventsapp.models.registration import RegistrationLink
from eventsapp.registration import links, services

MANAGE_LINK = re.compile(r"https?://[^/\s]+/r/([A-Za-z0-9_\-]+)")


def register(client, event, email="ada@example.org", modality="in_person") -> str:
    """Register through the public form (the rush path on PostgreSQL); the manage token."""
    resp = client.post(f"/events/{event.slug}/register", data={
        "name": "Ada Lovelace", "email": email, "modality": modality, "nonce": email})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"].split("/r/")[1].split("?")[0]


def reg_of(db, email="ada@example.org") -> Registration:
    db.session.rollback()
    return db.session.scalar(sa.select(Registration).where(Registration.email == email)
                             .execution_options(populate_existing=True))


def mailed_tokens(db, kind, to="ada@example.org") -> list[str]:
    db.session.rollback()
    bodies = db.session.scalars(sa.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == to, OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    return [MANAGE_LINK.search(b).group(1) for b in bodies]


def test_lost_link_request_adds_a_link_and_keeps_the_holders(client, db, make_event):
    event = make_event()
    token = register(client, event)
    resp = client.post(f"/events/{event.slug}/register/link", data={"email": "ADA@example.org"})
    assert resp.status_code == 302
    [fresh] = mailed_tokens(db, "registration_manage_link")
    assert fresh != token
    assert client.get(f"/r/{token}").status_code == 200  # the holder's link still works
    assert client.get(f"/r/{fresh}").status_code == 200  # and so does the new one
    assert services.registration_for_manage_token(fresh).id == reg_of(db).id


def test_many_requests_never_lock_the_holder_out_and_stay_bounded(client, db, make_event):
    event = make_event()
    token = register(client, event)
    for _ in range(10):  # the service itself: the form's rate limit is not what protects
        services.send_manage_link(event.id, "ada@example.org")
    assert client.get(f"/r/{token}").status_code == 200
    mailed = mailed_tokens(db, "registration_manage_link")
    assert len(mailed) == 10
    live = [t for t in mailed if client.get(f"/r/{t}").status_code == 200]
    assert live == mailed[-links.LIVE_LINKS:]  # the newest ones; older ones expired
    reg = reg_of(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationLink).where(
        RegistrationLink.registration_id == reg.id)) == links.LIVE_LINKS


def test_duplicate_registration_adds_a_link_too(client, db, make_event):
    event = make_event()
    token = register(client, event)
    client.post(f"/events/{event.slug}/register", data={
        "name": "Mallory", "email": "ada@example.org", "modality": "online", "nonce": "other"})
    [fresh] = mailed_tokens(db, "registration_manage_link")
    assert client.get(f"/r/{token}").status_code == 200
    assert client.get(f"/r/{fresh}").status_code == 200


def test_manage_page_offers_the_leak_action_with_what_it_does(client, db, make_event):
    event = make_event()
    token = register(client, event)
    body = client.get(f"/r/{token}").get_data(as_text=True)
    assert "My link leaked" in body and f"/r/{token}/leaked" in body
    assert "badge is re-issued" in body and "stop working" in body


def test_leak_needs_the_confirmation(client, db, make_event):
    event = make_event()
    token = register(client, event)
    before = reg_of(db).manage_token_hash
    resp = client.post(f"/r/{token}/leaked", data={})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Replace all your private links?" in body
    assert "badge is re-issued" in body and 'name="confirm" value="1"' in body
    assert reg_of(db).manage_token_hash == before
    assert client.get(f"/r/{token}").status_code == 200


def test_leak_replaces_every_secret(client, db, make_event, make_user, make_session):
    event = make_event()
    staff = make_user(staff_of=event)
    token = register(client, event)
    services.send_manage_link(event.id, "ada@example.org")
    [extra] = mailed_tokens(db, "registration_manage_link")
    reg = reg_of(db)
    old_badge, old_join = reg.badge_code, reg.join_token
    assert client.get(f"/join/{old_join}/watch").status_code == 200
    assert client.get(f"/join/{old_join}/calendar.ics").status_code == 200

    resp = client.post(f"/r/{token}/leaked", data={"confirm": "y"})
    assert resp.status_code == 302 and "/r/" not in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "new link to manage your registration is on its way" in page

    # Old manage links (the first and the extra one) are dead; the new one is mailed.
    assert client.get(f"/r/{token}").status_code == 404
    assert client.get(f"/r/{extra}").status_code == 404
    [new] = mailed_tokens(db, "registration_links_replaced")
    assert new not in (token, extra)
    assert client.get(f"/r/{new}").status_code == 200
    reg = reg_of(db)
    assert reg.secrets_rotated_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationLink).where(
        RegistrationLink.registration_id == reg.id)) == 0
    # Join links and the personal calendar feed: the old secret is dead, a new one works.
    assert reg.join_token and reg.join_token != old_join
    assert client.get(f"/join/{old_join}/watch").status_code in (404, 410)
    assert client.get(f"/join/{old_join}/calendar.ics").status_code in (404, 410)
    assert client.get(f"/join/{reg.join_token}/watch").status_code == 200
    # The badge: the door says "replaced" for the old code and admits the new one.
    assert reg.badge_code and reg.badge_code != old_badge
    old_scan = check_in(event, old_badge, staff)
    assert (old_scan.result, old_scan.reason) == (INVALID, "replaced")
    assert check_in(event, reg.badge_code, staff).result == CHECKED_IN


def test_organizer_sees_the_badge_was_reissued(client, db, make_event, make_user, login_as):
    event = make_event()
    token = register(client, event)
    assert client.post(f"/r/{token}/leaked", data={"confirm": "y"}).status_code == 302
    reg = reg_of(db)
    organizer_client = login_as(make_user(organizer_of=event))
    body = organizer_client.get(f"/events/{event.slug}/registrations/{reg.id}").get_data(
        as_text=True)
    assert "Badge re-issued on" in body and "holder reported a leak" in body


def test_register_again_and_erase_kill_the_extra_links(client, db, make_event, make_user):
    event = make_event()
    token = register(client, event)
    services.send_manage_link(event.id, "ada@example.org")
    [extra] = mailed_tokens(db, "registration_manage_link")
    services.cancel(reg_of(db).id)
    _, again = services.register_again(reg_of(db).id)
    assert client.get(f"/r/{extra}").status_code == 404
    assert client.get(f"/r/{token}").status_code == 404
    services.send_manage_link(event.id, "ada@example.org")
    later = mailed_tokens(db, "registration_manage_link")[-1]
    assert client.get(f"/r/{later}").status_code == 200
    services.erase(event, reg_of(db).id, make_user(organizer_of=event))
    assert client.get(f"/r/{later}").status_code == 404
    assert client.get(f"/r/{again}").status_code == 404
