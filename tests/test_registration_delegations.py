"""Registering on behalf of an organization, and what its focal points do: see their
delegation, approve and decline within the quotas, register delegates; a focal point
of another organization reaches nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from eventsapp.models import (
    EventFormat,
    FocalPoint,
    Modality,
    Organization,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.registration import delegations, services
from eventsapp.registration.mails import SUBJECTS
from eventsapp.registration.quota import QuotaReached
from eventsapp.security import hash_token, new_token

MANAGE_LINK = re.compile(r"https?://[^/\s]+/r/([A-Za-z0-9_\-]+)")


@pytest.fixture
def delegation(db, make_event, make_user):
    """An event with an NGO (quota 2 approved) and a member state (2 seats in the room),
    each with its focal point; returns a namespace of them."""

    class D:
        pass

    d = D()
    d.event = make_event(capacity_in_person=100)
    d.organizer = make_user(organizer_of=d.event, name="The Organizer")
    d.focal = make_user("focal@example.org", name="Nadia Focal")
    d.other_focal = make_user("other-focal@example.org", name="Omar Focal")
    d.ngo = Organization(event_id=d.event.id, name="Engines NGO",
                         kind=StakeholderType.CIVIL_SOCIETY, max_registrations=2)
    d.state = Organization(event_id=d.event.id, name="République du Rwanda",
                           kind=StakeholderType.GOVERNMENT, country="RW", max_in_room=1)
    db.session.add_all([d.ngo, d.state])
    db.session.flush()
    db.session.add_all([FocalPoint(organization_id=d.ngo.id, user_id=d.focal.id),
                        FocalPoint(organization_id=d.state.id, user_id=d.other_focal.id)])
    db.session.commit()
    return d


def delegate(db, org, name="Delegate", *, status=RegistrationStatus.PENDING,
             modality=Modality.IN_PERSON, language="en") -> Registration:
    reg = Registration(event_id=org.event_id, name=name,
                       email=f"{name.lower().replace(' ', '.')}@example.org",
                       organization=org.name, organization_id=org.id, modality=modality,
                       status=status, language=language,
                       manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                       join_token=new_token())
    db.session.add(reg)
    db.session.commit()
    return reg


def fresh(db, reg) -> Registration:
    db.session.rollback()
    return db.session.get(Registration, reg.id, populate_existing=True)


def mails_to(db, address, kind=None) -> list[OutboxMessage]:
    db.session.rollback()
    q = sa.select(OutboxMessage).where(OutboxMessage.to_address == address)
    if kind:
        q = q.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(q.order_by(OutboxMessage.id)))


def snapshot(db) -> dict:
    db.session.rollback()
    return {
        "regs": sorted(db.session.execute(sa.select(
            Registration.id, Registration.status, Registration.modality,
            Registration.organization_id)).all()),
        "mails": db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
    }


def form(email, **kw):
    data = {"name": "Ada Delegate", "email": email, "organization": "", "position": "Adviser",
            "country": "", "stakeholder_type": "", "modality": "in_person", "needs": "",
            "nonce": "n-" + email}
    data.update(kw)
    return data


# ------------------------------------------------------------------ registering on behalf


def test_register_on_behalf_of_an_organization_waits_for_its_focal_point(app, db, delegation):
    d = delegation
    client = app.test_client()
    page = client.get(f"/events/{d.event.slug}/register")
    assert 'name="organization_id"' in page.text and "République du Rwanda" in page.text
    resp = client.post(f"/events/{d.event.slug}/register",
                       data=form("ada@example.org", organization_id=str(d.ngo.id)),
                       headers={"Accept-Language": "fr"})
    assert resp.status_code == 302, resp.text
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "ada@example.org"))
    assert reg.status is RegistrationStatus.PENDING
    assert (reg.organization_id, reg.organization, reg.stakeholder_type, reg.language) == (
        d.ngo.id, "Engines NGO", StakeholderType.CIVIL_SOCIETY, "fr")
    [mail] = mails_to(db, "ada@example.org")
    assert mail.kind == "registration_pending" and "Engines NGO" in mail.body_text
    with force_locale("fr"):
        assert mail.subject == gettext(SUBJECTS["pending"], title=d.event.title)
    followed = client.get(resp.headers["Location"])
    assert "Engines NGO" in followed.text
    # A member state's delegate: the country is the state's when not given.
    client.post(f"/events/{d.event.slug}/register",
                data=form("minister@example.org", organization_id=str(d.state.id)))
    minister = db.session.scalar(sa.select(Registration).where(
        Registration.email == "minister@example.org"))
    assert (minister.status, minister.country) == (RegistrationStatus.PENDING, "RW")


def test_organization_without_focal_point_or_quota_registers_as_usual(app, db, delegation):
    d = delegation
    plain = Organization(event_id=d.event.id, name="Open University", kind=StakeholderType.ACADEMIA)
    db.session.add(plain)
    db.session.commit()
    resp = app.test_client().post(f"/api/v1/events/{d.event.slug}/registrations", json={
        "name": "Una", "email": "una@example.org", "modality": "in_person",
        "organization_id": plain.id})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["status"] == "confirmed"
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "una@example.org"))
    assert (reg.organization_id, reg.organization) == (plain.id, "Open University")


def test_register_refuses_an_organization_of_another_event(app, db, delegation, make_event):
    d = delegation
    elsewhere = Organization(event_id=make_event().id, name="Elsewhere NGO",
                             kind=StakeholderType.CIVIL_SOCIETY)
    db.session.add(elsewhere)
    db.session.commit()
    before = snapshot(db)
    client = app.test_client()
    for value in (str(elsewhere.id), "999999", "1.5", "abc", "-3"):
        resp = client.post(f"/events/{d.event.slug}/register",
                           data=form(f"x{value}@example.org", organization_id=value))
        assert resp.status_code == 422, value
        assert 'id="organization_id-error"' in resp.text, value
    api = client.post(f"/api/v1/events/{d.event.slug}/registrations", json={
        "name": "X", "email": "x@example.org", "modality": "in_person",
        "organization_id": elsewhere.id})
    assert api.status_code == 422 and "organization_id" in api.get_json()["error"]["fields"]
    assert snapshot(db) == before


# ------------------------------------------------------------------ the focal point's page


def test_my_delegations_lists_only_the_focal_points_organizations(app, db, delegation, login_as,
                                                                  make_user):
    d = delegation
    ada = delegate(db, d.ngo, "Ada Ngo")
    delegate(db, d.state, "Sam State")
    client = login_as(d.focal)
    page = client.get("/my/delegations")
    assert page.status_code == 200
    assert "Engines NGO" in page.text and "Ada Ngo" in page.text
    assert "République du Rwanda" not in page.text and "Sam State" not in page.text
    assert f"/my/delegations/{d.ngo.id}/registrations/{ada.id}/approve" in page.text
    assert ">My delegations<" in client.get("/").text  # the menu link, for focal points
    nobody = app.test_client()
    login_as_other = make_user(name="Plain Attendee")
    from tests.conftest import login

    login(nobody, login_as_other)
    assert ">My delegations<" not in nobody.get("/").text
    assert "not a focal point" in nobody.get("/my/delegations").text


def test_focal_point_approves_within_the_quota(app, db, delegation, login_as):
    d = delegation
    first = delegate(db, d.ngo, "First One", language="fr")
    second = delegate(db, d.ngo, "Second One")
    third = delegate(db, d.ngo, "Third One")
    client = login_as(d.focal)
    base = f"/my/delegations/{d.ngo.id}/registrations"
    for reg in (first, second):
        resp = client.post(f"{base}/{reg.id}/approve", follow_redirects=True)
        assert "is approved" in resp.text
        assert fresh(db, reg).status is RegistrationStatus.CONFIRMED
        assert fresh(db, reg).decided_by_id == d.focal.id
    [mail] = mails_to(db, first.email, "registration_approved")
    with force_locale("fr"):  # the delegate's language, not the focal point's
        assert mail.subject == gettext(SUBJECTS["approved"], title=d.event.title)
    before = snapshot(db)
    resp = client.post(f"{base}/{third.id}/approve", follow_redirects=True)
    assert "has reached its quota of approved registrations (2)" in resp.text
    assert fresh(db, third).status is RegistrationStatus.PENDING
    assert snapshot(db) == before
    # Declining one frees a place in the quota.
    client.post(f"{base}/{first.id}/decline", data={"confirm": "y"})
    assert fresh(db, first).status is RegistrationStatus.DECLINED
    client.post(f"{base}/{third.id}/approve")
    assert fresh(db, third).status is RegistrationStatus.CONFIRMED
    # Approving what is not pending: a clear message, nothing changes.
    resp = client.post(f"{base}/{third.id}/approve", follow_redirects=True)
    assert "Only a pending registration can be approved." in resp.text


def test_seats_in_the_room_quota_and_approval_online(app, db, delegation, login_as):
    d = delegation
    minister = delegate(db, d.state, "Minister")
    adviser = delegate(db, d.state, "Adviser")
    client = login_as(d.other_focal)
    base = f"/my/delegations/{d.state.id}/registrations"
    client.post(f"{base}/{minister.id}/approve")
    assert fresh(db, minister).status is RegistrationStatus.CONFIRMED
    resp = client.post(f"{base}/{adviser.id}/approve", follow_redirects=True)
    assert "All the in-person seats of République du Rwanda are taken (1)" in resp.text
    assert fresh(db, adviser).status is RegistrationStatus.PENDING
    page = client.get("/my/delegations").text
    assert "Approve to follow online" in page
    client.post(f"{base}/{adviser.id}/approve", data={"modality": "online"})
    adviser = fresh(db, adviser)
    assert (adviser.status, adviser.modality) == (RegistrationStatus.CONFIRMED, Modality.ONLINE)
    # The adviser cannot take the minister's seat from their manage page either.
    with pytest.raises(QuotaReached):
        services.switch_modality(adviser.id, "in_person")
    assert fresh(db, adviser).modality is Modality.ONLINE
    # Once the minister follows online, the seat is free for the adviser.
    services.switch_modality(minister.id, "online")
    services.switch_modality(adviser.id, "in_person")
    assert fresh(db, adviser).modality is Modality.IN_PERSON


def test_decline_is_confirmed_first_and_mails_the_delegate(app, db, delegation, login_as):
    d = delegation
    reg = delegate(db, d.ngo, "Declined Person", language="es")
    client = login_as(d.focal)
    url = f"/my/delegations/{d.ngo.id}/registrations/{reg.id}/decline"
    page = client.get(url)
    assert page.status_code == 200 and "Decline Declined Person?" in page.text
    resp = client.post(url, data={})
    assert resp.status_code == 422 and "Tick the box to confirm." in resp.text
    assert fresh(db, reg).status is RegistrationStatus.PENDING
    resp = client.post(url, data={"confirm": "y"})
    assert resp.status_code == 302
    reg = fresh(db, reg)
    assert reg.status is RegistrationStatus.DECLINED and reg.badge_code is None
    [mail] = mails_to(db, reg.email, "registration_declined")
    with force_locale("es"):
        assert mail.subject == gettext(SUBJECTS["declined"], title=d.event.title)
    assert "Engines NGO" in mail.body_text
    assert "Nothing to decide" in client.get(url).text


def test_focal_point_of_another_organization_gets_404_and_nothing_changes(app, db, delegation,
                                                                          login_as):
    d = delegation
    ngo_reg = delegate(db, d.ngo, "Ngo Delegate")
    state_reg = delegate(db, d.state, "State Delegate")
    client = login_as(d.other_focal)  # focal point of the state, not of the NGO
    before = snapshot(db)
    attempts = [
        ("POST", f"/my/delegations/{d.ngo.id}/registrations/{ngo_reg.id}/approve", {}),
        ("POST", f"/my/delegations/{d.ngo.id}/registrations/{ngo_reg.id}/decline",
         {"confirm": "y"}),
        ("GET", f"/my/delegations/{d.ngo.id}/registrations/{ngo_reg.id}/decline", None),
        ("GET", f"/my/delegations/{d.ngo.id}/add", None),
        ("POST", f"/my/delegations/{d.ngo.id}/add", form("sneak@example.org")),
        # Their own organization's id with the other's registration: not theirs either.
        ("POST", f"/my/delegations/{d.state.id}/registrations/{ngo_reg.id}/approve", {}),
        ("POST", f"/my/delegations/{d.state.id}/registrations/{ngo_reg.id}/decline",
         {"confirm": "y"}),
    ]
    for method, url, data in attempts:
        resp = client.open(url, method=method, data=data)
        assert resp.status_code == 404, (method, url, resp.status_code)
    # The API: the same, with a token.
    from eventsapp.auth.services import create_api_token

    token = {"Authorization": f"Bearer {create_api_token(d.other_focal, 't')[1]}"}
    api = f"/api/v1/events/{d.event.slug}/organizations"
    for method, url in (("GET", f"{api}/{d.ngo.id}/registrations"),
                        ("POST", f"{api}/{d.ngo.id}/registrations/{ngo_reg.id}/approve"),
                        ("POST", f"{api}/{d.ngo.id}/registrations/{ngo_reg.id}/decline"),
                        ("POST", f"{api}/{d.state.id}/registrations/{ngo_reg.id}/approve"),
                        ("GET", f"{api}/{d.ngo.id}")):
        resp = client.open(url, method=method, headers=token, json={} if method == "POST" else None)
        assert resp.status_code in ((403,) if url.endswith(str(d.ngo.id)) else (404,)), (
            method, url, resp.status_code)
    assert snapshot(db) == before
    # Their own delegate, they may decide.
    resp = client.post(f"{api}/{d.state.id}/registrations/{state_reg.id}/approve", headers=token,
                       json={})
    assert resp.status_code == 200 and resp.get_json()["status"] == "confirmed"


def test_focal_point_api_lists_approves_and_declines(app, db, delegation, api_token):
    d = delegation
    regs = [delegate(db, d.ngo, f"Api Person {i}") for i in range(3)]
    headers = api_token(d.focal)
    client = app.test_client()
    base = f"/api/v1/events/{d.event.slug}/organizations/{d.ngo.id}/registrations"
    listed = client.get(base, headers=headers)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.get_json()] == [r.id for r in regs]
    assert client.post(f"{base}/{regs[0].id}/approve", headers=headers, json={}).status_code == 200
    assert client.post(f"{base}/{regs[1].id}/approve", headers=headers,
                       json={"modality": "online"}).get_json()["modality"] == "online"
    full = client.post(f"{base}/{regs[2].id}/approve", headers=headers, json={})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "quota_reached"
    bad = client.post(f"{base}/{regs[2].id}/approve", headers=headers, json={"modality": "by fax"})
    assert bad.status_code == 422
    declined = client.post(f"{base}/{regs[0].id}/decline", headers=headers)
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    again = client.post(f"{base}/{regs[0].id}/decline", headers=headers)
    assert again.status_code == 409
    assert client.post(f"{base}/999999/decline", headers=headers).status_code == 404
    assert client.get(base).status_code == 401


def test_organizer_approval_of_a_delegate_respects_the_quota(app, db, delegation, login_as):
    d = delegation
    regs = [delegate(db, d.ngo, f"Org Approved {i}") for i in range(3)]
    client = login_as(d.organizer)
    for reg in regs:
        client.post(f"/events/{d.event.slug}/registrations/{reg.id}/approve")
    statuses = [fresh(db, r).status for r in regs]
    assert statuses == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.PENDING]
    page = client.get(f"/events/{d.event.slug}/registrations/{regs[2].id}")
    assert page.status_code == 200 and f"/delegations#org-{d.ngo.id}" in page.text


def test_registrant_api_names_the_organization(app, db, delegation, api_token):
    d = delegation
    reg = delegate(db, d.ngo, "Listed Delegate")
    resp = app.test_client().get(f"/api/v1/events/{d.event.slug}/registrations",
                                 headers=api_token(d.organizer))
    [row] = [r for r in resp.get_json()["registrations"] if r["id"] == reg.id]
    assert (row["organization_id"], row["organization"]) == (d.ngo.id, "Engines NGO")


def test_focal_point_registers_a_delegate(app, db, delegation, login_as, make_user):
    d = delegation
    make_user("known@example.org", name="Known Account").language = "ar"
    db.session.commit()
    client = login_as(d.focal)
    url = f"/my/delegations/{d.ngo.id}/add"
    page = client.get(url)
    assert page.status_code == 200 and "Register a delegate of Engines NGO" in page.text
    # Another organization's id in the body changes nothing: the delegate is the NGO's.
    resp = client.post(url, data=form("known@example.org", name="Known Delegate",
                                      organization_id=str(d.state.id)))
    assert resp.status_code == 302, resp.text
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "known@example.org"))
    assert (reg.status, reg.organization_id, reg.source, reg.language) == (
        RegistrationStatus.CONFIRMED, d.ngo.id, "focal_point", "ar")
    [mail] = mails_to(db, "known@example.org")
    assert mail.kind == "registration_confirmation" and MANAGE_LINK.search(mail.body_text)
    resp = client.post(url, data=form("known@example.org"))
    assert resp.status_code == 409 and "Already in your delegation." in resp.text
    resp = client.post(url, data=form("", name=""))
    assert resp.status_code == 422
    client.post(url, data=form("second@example.org"))
    before = snapshot(db)
    resp = client.post(url, data=form("third@example.org"))
    assert resp.status_code == 409 and "quota of approved registrations (2)" in resp.text
    assert snapshot(db) == before


def test_cancelled_delegate_registering_again_waits_for_approval(app, db, delegation):
    d = delegation
    reg = delegate(db, d.ngo, "Back Again", status=RegistrationStatus.CANCELLED)
    again, _token = services.register_again(reg.id)
    assert again.status is RegistrationStatus.PENDING


def test_approve_service_checks_the_organization(app, db, delegation):
    d = delegation
    reg = delegate(db, d.ngo, "Service Person")
    from eventsapp.errors import NotFound

    with pytest.raises(NotFound):
        delegations.approve(d.state, reg.id, d.other_focal)
    assert fresh(db, reg).status is RegistrationStatus.PENDING


def test_in_person_only_event_has_no_online_approval(app, db, make_event, make_user, login_as):
    event = make_event(format=EventFormat.IN_PERSON)
    focal = make_user()
    org = Organization(event_id=event.id, name="Solo", kind=StakeholderType.ACADEMIA, max_in_room=0)
    db.session.add(org)
    db.session.flush()
    db.session.add(FocalPoint(organization_id=org.id, user_id=focal.id))
    db.session.commit()
    reg = delegate(db, org, "Solo Person")
    client = login_as(focal)
    assert "Approve to follow online" not in client.get("/my/delegations").text
    resp = client.post(f"/my/delegations/{org.id}/registrations/{reg.id}/approve",
                       data={"modality": "online"}, follow_redirects=True)
    assert "in person only" in resp.text
    assert fresh(db, reg).status is RegistrationStatus.PENDING
