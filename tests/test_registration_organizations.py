"""Organizers manage an event's organizations (forms, API, CSV), designate focal points
by account e-mail, set quotas, and see the delegations as groups."""
from __future__ import annotations

import sqlalchemy as sa

from eventsapp.models import (
    FocalPoint,
    Modality,
    Organization,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.security import hash_token, new_token


def orgs_of(db, event) -> list[Organization]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Organization).where(Organization.event_id == event.id)
                                   .order_by(Organization.id)))


def make_org(db, event, name="Engines NGO", **kw) -> Organization:
    values = {"kind": StakeholderType.CIVIL_SOCIETY}
    values.update(kw)
    org = Organization(event_id=event.id, name=name, **values)
    db.session.add(org)
    db.session.commit()
    return org


def make_reg(db, event, org=None, *, name="Delegate", status=RegistrationStatus.PENDING,
             modality=Modality.IN_PERSON) -> Registration:
    reg = Registration(event_id=event.id, name=name,
                       email=f"{name.lower().replace(' ', '.')}-{new_token(4)}@example.org",
                       organization=org.name if org else "", modality=modality, status=status,
                       organization_id=org.id if org else None,
                       manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                       join_token=new_token())
    db.session.add(reg)
    db.session.commit()
    return reg


def test_organizer_adds_edits_and_deletes_an_organization(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/organizations/new")
    assert page.status_code == 200 and 'name="max_in_room"' in page.text
    resp = client.post(f"/events/{event.slug}/organizations/new", data={
        "name": "République du Rwanda", "kind": "government", "country": "RW",
        "max_registrations": "", "max_in_room": "2"})
    assert resp.status_code == 302, resp.text
    [org] = orgs_of(db, event)
    assert (org.name, org.kind, org.country, org.max_registrations, org.max_in_room) == (
        "République du Rwanda", StakeholderType.GOVERNMENT, "RW", None, 2)
    assert resp.headers["Location"].endswith(f"/organizations/{org.id}/edit")
    listing = client.get(f"/events/{event.slug}/organizations/")
    assert "République du Rwanda" in listing.text and "0 of 2 seats" in listing.text
    # Edit: an NGO with a quota of 3.
    resp = client.post(f"/events/{event.slug}/organizations/{org.id}/edit", data={
        "name": "Rwanda NGO", "kind": "civil_society", "country": "", "max_registrations": "3",
        "max_in_room": ""})
    assert resp.status_code == 302, resp.text
    [org] = orgs_of(db, event)
    assert (org.name, org.kind, org.max_registrations, org.max_in_room) == (
        "Rwanda NGO", StakeholderType.CIVIL_SOCIETY, 3, None)
    # Delete: confirmed only; its registrations stay, on behalf of no organization.
    reg = make_reg(db, event, org)
    resp = client.post(f"/events/{event.slug}/organizations/{org.id}/delete", data={})
    assert resp.status_code == 422 and orgs_of(db, event)
    resp = client.post(f"/events/{event.slug}/organizations/{org.id}/delete", data={"confirm": "y"})
    assert resp.status_code == 302
    assert orgs_of(db, event) == []
    kept = db.session.get(Registration, reg.id)
    assert kept is not None and kept.organization_id is None and kept.organization == "Rwanda NGO"


def test_organization_form_refuses_bad_input_with_field_errors(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    make_org(db, event, "Taken Name")
    url = f"/events/{event.slug}/organizations/new"
    cases = [
        ({"name": "", "kind": "academia"}, 422, "Enter the organization&#39;s name."),
        ({"name": "X", "kind": "pirates"}, 422, "Unknown kind of organization"),
        ({"name": "X", "kind": ""}, 422, "Choose the kind of organization."),
        ({"name": "X", "kind": "government", "country": ""}, 422,
         "Choose the member state&#39;s country."),
        ({"name": "X", "kind": "academia", "max_registrations": "-1"}, 422, "A whole number"),
        ({"name": "X", "kind": "academia", "max_in_room": "two"}, 422, "Not a valid integer"),
        ({"name": "X", "kind": "academia", "country": "Atlantis"}, 422, "Unknown country"),
        ({"name": "taken name", "kind": "academia"}, 409,
         "The event already has an organization of this name."),
    ]
    for data, status, message in cases:
        resp = client.post(url, data=data)
        assert resp.status_code == status, (data, resp.status_code)
        assert message in resp.text, (data, message)
        assert 'aria-invalid="true"' in resp.text, data
    assert [o.name for o in orgs_of(db, event)] == ["Taken Name"]


def test_focal_points_are_designated_by_account_email(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    org = make_org(db, event)
    fp_user = make_user("amina@example.org", name="Amina Focal")
    url = f"/events/{event.slug}/organizations/{org.id}/focal-points"
    resp = client.post(url, data={"email": "nobody@example.org"})
    assert resp.status_code == 422
    assert "No account uses this address" in resp.text
    resp = client.post(url, data={"email": "not an address"})
    assert resp.status_code == 422
    resp = client.post(url, data={"email": "AMINA@example.org"})
    assert resp.status_code == 302
    resp = client.post(url, data={"email": "amina@example.org"})
    assert resp.status_code == 409 and "already a focal point" in resp.text
    db.session.rollback()
    [fp] = db.session.scalars(sa.select(FocalPoint)).all()
    assert (fp.organization_id, fp.user_id) == (org.id, fp_user.id)
    page = client.get(f"/events/{event.slug}/organizations/{org.id}/edit")
    assert "Amina Focal" in page.text and "amina@example.org" in page.text
    resp = client.post(f"/events/{event.slug}/organizations/{org.id}/focal-points/{fp.id}/remove")
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.scalars(sa.select(FocalPoint)).all() == []
    # Another event's organization, or a focal point id of another organization: 404.
    other = make_org(db, make_event(), "Elsewhere")
    assert client.post(f"/events/{event.slug}/organizations/{other.id}/focal-points",
                       data={"email": "amina@example.org"}).status_code == 404
    resp = client.post(f"/events/{event.slug}/organizations/{org.id}/focal-points/999999/remove")
    assert resp.status_code == 404


def test_delegations_page_groups_registrations_with_counts(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    ngo = make_org(db, event, "Engines NGO", max_registrations=3)
    state = make_org(db, event, "Republic of Somewhere", kind=StakeholderType.GOVERNMENT,
                     country="RW", max_in_room=2)
    make_reg(db, event, ngo, name="Ngo One", status=RegistrationStatus.CONFIRMED)
    make_reg(db, event, ngo, name="Ngo Two")
    make_reg(db, event, ngo, name="Ngo Three", status=RegistrationStatus.DECLINED)
    make_reg(db, event, state, name="Minister", status=RegistrationStatus.CONFIRMED)
    make_reg(db, event, state, name="Adviser", status=RegistrationStatus.CONFIRMED,
             modality=Modality.ONLINE)
    make_reg(db, event, None, name="Loner", status=RegistrationStatus.CONFIRMED)
    page = client.get(f"/events/{event.slug}/delegations")
    assert page.status_code == 200
    text = page.text
    ngo_part = text.split(f'data-organization="{ngo.id}"')[1].split('data-organization=')[0]
    state_part = text.split(f'data-organization="{state.id}"')[1]
    assert "Ngo One" in ngo_part and "Ngo Two" in ngo_part and "Minister" not in ngo_part
    assert "1 of 3" in ngo_part  # one approved (the declined one does not count)
    assert "Minister" in state_part and "Adviser" in state_part and "Ngo One" not in state_part
    assert "1 of 2 seats" in state_part  # the online adviser takes no seat
    assert "Loner" not in text
    assert "1 registration is on behalf of no listed organization" in text


def test_organizations_api_crud_and_errors(app, db, make_event, make_user, api_token):
    event = make_event()
    headers = api_token(make_user(organizer_of=event))
    client = app.test_client()
    base = f"/api/v1/events/{event.slug}/organizations"
    resp = client.post(base, headers=headers, json={"name": "日本国", "kind": "government",
                                                     "country": "JP", "max_in_room": 2})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    org_id = body["id"]
    assert body["kind"] == "government" and body["max_registrations"] is None
    assert body["counts"] == {"approved": 0, "in_room": 0, "pending": 0}
    for bad, field in (({"name": "x"}, "kind"), ({"name": "x", "kind": "government"}, "country"),
                       ({"name": "", "kind": "academia"}, "name"),
                       ({"name": "x", "kind": "academia", "max_registrations": -3},
                        "max_registrations"),
                       ({"name": "x", "kind": "academia", "max_registrations": True},
                        "max_registrations")):
        resp = client.post(base, headers=headers, json=bad)
        assert resp.status_code == 422, (bad, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (bad, resp.get_json())
    resp = client.post(base, headers=headers, json={"name": "日本国", "kind": "academia"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "duplicate"
    # PATCH: a subset; an empty one, or one that leaves a member state without a country, 422.
    assert client.patch(f"{base}/{org_id}", headers=headers, json={}).status_code == 422
    resp = client.patch(f"{base}/{org_id}", headers=headers, json={"country": ""})
    assert resp.status_code == 422 and "country" in resp.get_json()["error"]["fields"]
    resp = client.patch(f"{base}/{org_id}", headers=headers,
                        json={"max_registrations": 5, "max_in_room": None})
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["max_registrations"], resp.get_json()["max_in_room"]) == (5, None)
    assert [o["id"] for o in client.get(base, headers=headers).get_json()] == [org_id]
    # Focal points.
    make_user("focal@example.org", name="Fo Cal")
    fp = client.post(f"{base}/{org_id}/focal-points", headers=headers,
                     json={"email": "focal@example.org"})
    assert fp.status_code == 201 and fp.get_json()["name"] == "Fo Cal"
    again = client.post(f"{base}/{org_id}/focal-points", headers=headers,
                        json={"email": "focal@example.org"})
    assert again.status_code == 409
    unknown = client.post(f"{base}/{org_id}/focal-points", headers=headers,
                          json={"email": "ghost@example.org"})
    assert unknown.status_code == 422 and "email" in unknown.get_json()["error"]["fields"]
    listed = client.get(f"{base}/{org_id}", headers=headers).get_json()
    assert [f["email"] for f in listed["focal_points"]] == ["focal@example.org"]
    fp_id = fp.get_json()["id"]
    assert client.delete(f"{base}/{org_id}/focal-points/{fp_id}", headers=headers).status_code == 204
    assert client.delete(f"{base}/{org_id}/focal-points/{fp_id}", headers=headers).status_code == 404
    # Another event's organization under this slug: 404; this one deleted: 204, then 404.
    other = make_org(db, make_event(), "Elsewhere")
    assert client.get(f"{base}/{other.id}", headers=headers).status_code == 404
    assert client.patch(f"{base}/{other.id}", headers=headers,
                        json={"name": "Taken"}).status_code == 404
    assert client.delete(f"{base}/{org_id}", headers=headers).status_code == 204
    assert client.get(f"{base}/{org_id}", headers=headers).status_code == 404
    assert orgs_of(db, event) == []
    db.session.rollback()
    assert db.session.get(Organization, other.id).name == "Elsewhere"


def test_csv_import_is_all_or_nothing_and_round_trips(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    make_org(db, event, "Engines NGO")
    url = f"/events/{event.slug}/organizations/import"
    bad = ("name,kind,country,max_registrations,max_in_room\n"
           "Good One,academia,,3,\n"
           "Bad Kind,pirates,,,\n"
           "Somewhere,government,,,2\n")
    resp = client.post(url, data={"content": bad})
    assert resp.status_code == 422
    assert "Line 3" in resp.text and "Line 4" in resp.text and "Nothing was imported" in resp.text
    assert [o.name for o in orgs_of(db, event)] == ["Engines NGO"]
    good = ("\ufeffname,kind,country,max_registrations,max_in_room\n"
            "Good One,academia,,3,\n"
            "Republic of Somewhere,Government,Rwanda,,2\n"
            "engines ngo,civil_society,,4,\n")
    resp = client.post(url, data={"content": good})
    assert resp.status_code == 302, resp.text
    found = {o.name: o for o in orgs_of(db, event)}
    # The existing one (any case) is updated, not duplicated: the file's spelling wins.
    assert set(found) == {"engines ngo", "Good One", "Republic of Somewhere"}
    assert found["engines ngo"].max_registrations == 4
    assert (found["Republic of Somewhere"].country, found["Republic of Somewhere"].max_in_room) == (
        "RW", 2)
    exported = client.get(f"/events/{event.slug}/organizations/export.csv")
    assert exported.status_code == 200
    assert "Republic of Somewhere,government,RW,,2" in exported.text
    assert client.post(url, data={"content": ""}).status_code == 422
    assert client.post(url, data={"content": "title\nx\n"}).status_code == 422
