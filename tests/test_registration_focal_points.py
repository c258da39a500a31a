"""Focal points, the rest of issue 14: they read their delegates' documents (page and
API, the one rule of ``documents.can_read_document``), act on published events only,
are told by mail when designated, and adding an address registered otherwise answers
neutrally; organizers register someone on behalf of an organization."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from eventsapp.mail import delivery
from eventsapp.models import FocalPoint, Organization, Registration, RegistrationStatus, StakeholderType
from eventsapp.registration.mails import FOCAL_POINT_SUBJECT
from tests.support.questions_support import PDF, question
from tests.support.smtp import body_text
from tests.test_registration_delegations import (  # noqa: F401 - the fixture
    delegate,
    delegation,
    form,
    mails_to,
    snapshot,
)

from .conftest import login

NOTE = PDF.replace(b"/Count 0", b"/Count 0 /Note (Rwanda)")  # a PDF of its own bytes
DOC_LINK = re.compile(r'href="(/events/[^"]+/registrations/(\d+)/documents/(\d+))"')


def with_note(app, db, d):
    """A delegate of the NGO registers by the public form with a note verbale."""
    note = question(d.event, "file", "Note verbale", required=True)
    db.session.commit()
    resp = app.test_client().post(
        f"/events/{d.event.slug}/register", content_type="multipart/form-data",
        data={**form("noted@example.org", organization_id=str(d.ngo.id)),
              f"answers.{note.id}": (io.BytesIO(NOTE), "Note verbale.pdf")})
    assert resp.status_code == 302, resp.text
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "noted@example.org"))
    assert reg.status is RegistrationStatus.PENDING
    return reg, note


def test_focal_point_downloads_their_delegates_documents(app, db, delegation, api_token):  # noqa: F811
    d = delegation
    reg, note = with_note(app, db, d)
    client = app.test_client()
    login(client, d.focal)
    page = client.get("/my/delegations")
    assert ">Documents</th>" in page.text
    [(url, reg_id, _answer)] = DOC_LINK.findall(page.text)
    assert int(reg_id) == reg.id and "Note verbale.pdf" in page.text
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == NOTE
    assert resp.headers["Content-Disposition"].startswith("attachment")
    # The API, by question id: the same bytes for the focal point ...
    api = f"/api/v1/events/{d.event.slug}/registrations/{reg.id}/documents/{note.id}"
    resp = app.test_client().get(api, headers=api_token(d.focal))
    assert resp.status_code == 200 and resp.data == NOTE
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # ... and the organizers; a question it did not answer is a 404.
    assert app.test_client().get(api, headers=api_token(d.organizer)).data == NOTE
    other_q = question(d.event, "file", "Something else")
    db.session.commit()
    assert app.test_client().get(api.rsplit("/", 1)[0] + f"/{other_q.id}",
                                 headers=api_token(d.focal)).status_code == 404
    # The organizers' delegations page has the column and the link too.
    org_client = app.test_client()
    login(org_client, d.organizer)
    assert url in org_client.get(f"/events/{d.event.slug}/delegations").text


def test_others_do_not_reach_a_delegates_document(app, db, delegation, api_token, make_user):  # noqa: F811
    d = delegation
    reg, note = with_note(app, db, d)
    answer_url = None
    client = app.test_client()
    login(client, d.focal)
    [(answer_url, _r, _a)] = DOC_LINK.findall(client.get("/my/delegations").text)
    api = f"/api/v1/events/{d.event.slug}/registrations/{reg.id}/documents/{note.id}"
    # Anonymous: sign in (page), 401 (API).
    assert app.test_client().get(answer_url).status_code == 302
    assert app.test_client().get(api).status_code == 401
    # The focal point of another organization of the same event, a plain account.
    for user in (d.other_focal, make_user()):
        other = app.test_client()
        login(other, user)
        assert other.get(answer_url).status_code == 404
        assert app.test_client().get(api, headers=api_token(user)).status_code == 404
        assert "Note verbale.pdf" not in other.get("/my/delegations").text


def test_focal_points_act_on_published_events_only(app, db, delegation, api_token):  # noqa: F811
    d = delegation
    reg, note = with_note(app, db, d)
    client = app.test_client()
    login(client, d.focal)
    [(doc_url, _r, _a)] = DOC_LINK.findall(client.get("/my/delegations").text)
    d.event.published = False
    db.session.commit()
    before = snapshot(db)
    assert "Engines NGO" not in client.get("/my/delegations").text
    base = f"/my/delegations/{d.ngo.id}"
    assert client.post(f"{base}/registrations/{reg.id}/approve", data={}).status_code == 404
    assert client.get(f"{base}/registrations/{reg.id}/decline").status_code == 404
    assert client.get(f"{base}/add").status_code == 404
    assert client.get(doc_url).status_code == 404
    headers = api_token(d.focal)
    api = f"/api/v1/events/{d.event.slug}/organizations/{d.ngo.id}/registrations"
    api_client = app.test_client()
    assert api_client.get(api, headers=headers).status_code == 404
    assert api_client.post(f"{api}/{reg.id}/approve", headers=headers, json={}).status_code == 404
    assert api_client.post(f"{api}/{reg.id}/decline", headers=headers).status_code == 404
    assert api_client.get(f"/api/v1/events/{d.event.slug}/registrations/{reg.id}/documents/"
                          f"{note.id}", headers=headers).status_code == 404
    assert snapshot(db) == before
    # The organizers still act on their draft's delegation.
    resp = api_client.post(f"{api}/{reg.id}/approve", headers=api_token(d.organizer), json={})
    assert resp.status_code == 200, resp.get_json()


def test_a_designated_focal_point_is_told_in_their_language(app, db, delegation, make_user,  # noqa: F811
                                                            smtp_server):
    app.config.update(smtp_server.config)
    d = delegation
    person = make_user("nouvelle@example.org", name="Nouvelle Focale")
    person.language = "fr"
    db.session.commit()
    client = app.test_client()
    login(client, d.organizer)
    resp = client.post(f"/events/{d.event.slug}/organizations/{d.ngo.id}/focal-points",
                       data={"email": "nouvelle@example.org"})
    assert resp.status_code == 302, resp.text
    [queued] = mails_to(db, "nouvelle@example.org")
    assert queued.kind == "focal_point_designated" and queued.event_id == d.event.id
    delivery.deliver()
    [msg] = smtp_server.to("nouvelle@example.org")
    with force_locale("fr"):
        assert msg["Subject"] == gettext(FOCAL_POINT_SUBJECT, org="Engines NGO",
                                         title=d.event.title)
        sentence = gettext("The organizers of %(title)s have designated you a focal point of "
                           "%(org)s.", title=d.event.title, org="Engines NGO")
    assert sentence != (f"The organizers of {d.event.title} have designated you a focal "
                        "point of Engines NGO.")  # really French
    text = body_text(msg)
    assert sentence in text
    assert f"/my/delegations#org-{d.ngo.id}" in text
    # A refused designation (already one) sends nothing more.
    resp = client.post(f"/events/{d.event.slug}/organizations/{d.ngo.id}/focal-points",
                       data={"email": "nouvelle@example.org"})
    assert resp.status_code == 409
    assert len(mails_to(db, "nouvelle@example.org")) == 1


def test_adding_an_address_registered_otherwise_answers_neutrally(app, db, delegation,  # noqa: F811
                                                                  login_as):
    d = delegation
    elsewhere = delegate(db, d.state, "State Person")  # of another organization
    plain = Registration(event_id=d.event.id, name="Plain", email="plain@example.org",
                         modality=elsewhere.modality, status=RegistrationStatus.CONFIRMED,
                         manage_token_hash="x" * 64, badge_code="plain-badge",
                         join_token="plain-join")
    db.session.add(plain)
    db.session.commit()
    client = login_as(d.focal)
    answers = []
    for address in (elsewhere.email, "plain@example.org"):
        before = {(r.id, r.status, r.organization_id) for r in
                  db.session.scalars(sa.select(Registration))}
        resp = client.post(f"/my/delegations/{d.ngo.id}/add", data=form(address))
        assert resp.status_code == 302, resp.text
        page = client.get(resp.headers["Location"]).text
        assert "already registered for the event" not in page
        db.session.rollback()
        assert {(r.id, r.status, r.organization_id) for r in
                db.session.scalars(sa.select(Registration))} == before
        [mail] = mails_to(db, address, "registration_manage_link")  # a fresh link, to them
        answers.append(re.search(r'class="flash[^"]*"[^>]*>(.*?)<', page, re.S).group(1))
    assert answers[0] == answers[1]  # the same words, whoever holds the address
    assert "not added to your delegation" in answers[0]
    # In its own delegation already: the focal point sees it in the list anyway.
    own = delegate(db, d.ngo, "Own Delegate")
    resp = client.post(f"/my/delegations/{d.ngo.id}/add", data=form(own.email))
    assert resp.status_code == 409 and "Already in your delegation." in resp.text


def test_organizer_registers_someone_on_behalf_of_an_organization(app, db, delegation,  # noqa: F811
                                                                  login_as, make_event):
    d = delegation
    client = login_as(d.organizer)
    url = f"/events/{d.event.slug}/registrations/new"
    page = client.get(url)
    assert 'name="organization_id"' in page.text and "Engines NGO" in page.text
    data = {**form("vip@example.org", name="Vip Delegate", organization_id=str(d.ngo.id)),
            "category": "vip"}
    resp = client.post(url, data=data)
    assert resp.status_code == 302, resp.text
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "vip@example.org"))
    assert (reg.status, reg.organization_id, reg.organization, reg.stakeholder_type) == (
        RegistrationStatus.CONFIRMED, d.ngo.id, "Engines NGO", StakeholderType.CIVIL_SOCIETY)
    # Within its quotas (2 approved), as a focal point's approval.
    assert client.post(url, data={**data, "email": "second@example.org"}).status_code == 302
    before = snapshot(db)
    resp = client.post(url, data={**data, "email": "third@example.org"})
    assert resp.status_code == 409 and "quota of approved registrations (2)" in resp.text
    assert snapshot(db) == before
    # Another event's organization is a field error, as on the public form.
    elsewhere = Organization(event_id=make_event().id, name="Elsewhere",
                             kind=StakeholderType.ACADEMIA)
    db.session.add(elsewhere)
    db.session.commit()
    resp = client.post(url, data={**data, "email": "fourth@example.org",
                                  "organization_id": str(elsewhere.id)})
    assert resp.status_code == 422 and 'id="organization_id-error"' in resp.text
    assert snapshot(db) == before
    # No organization: as before.
    resp = client.post(url, data={**data, "email": "free@example.org", "organization_id": ""})
    assert resp.status_code == 302
    free = db.session.scalar(sa.select(Registration).where(Registration.email == "free@example.org"))
    assert free.organization_id is None


def test_removing_a_focal_point_ends_its_document_access(app, db, delegation):  # noqa: F811
    d = delegation
    with_note(app, db, d)
    client = app.test_client()
    login(client, d.focal)
    [(doc_url, _r, _a)] = DOC_LINK.findall(client.get("/my/delegations").text)
    db.session.execute(sa.delete(FocalPoint).where(FocalPoint.user_id == d.focal.id))
    db.session.commit()
    again = app.test_client()
    login(again, d.focal)
    assert again.get(doc_url).status_code == 404
