"""Routes of organizations, focal points and delegations: the organizers' pages and API,
and the focal points' pages and API ("focal" acts for the world's "Perm Delegation",
"other_focal" for another organization of the same event)."""
from __future__ import annotations

import uuid

from .base import DENY, HIDDEN, LOGIN, MANAGE, OK, SIGNED_IN, Rule, api_rule, expect

API_MANAGE = expect(LOGIN, DENY, DENY, DENY, OK, OK)
# The organization's focal point, the event's organizers and administrators; anyone
# else (a focal point of another organization included) does not see the organization.
FOCAL = expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, focal=OK, other_focal=HIDDEN)


def _ev(w) -> str:
    return f"/events/{w.event.slug}"


def _org(w) -> int:
    return w.objects["organization"].id


def _api(w) -> str:
    return f"/api/v1/events/{w.event.slug}/organizations"


def _fresh_org(w) -> int:
    """An organization made for one request (deleted by it)."""
    from eventsapp.extensions import db
    from eventsapp.models import Organization, StakeholderType

    org = Organization(event_id=w.event.id, name=f"Fresh {uuid.uuid4().hex[:8]}",
                       kind=StakeholderType.ACADEMIA)
    db.session.add(org)
    db.session.commit()
    return org.id


def _fresh_focal_point(w) -> int:
    """A focal point (of a new account) of the world's organization, for one request."""
    from eventsapp.extensions import db
    from eventsapp.models import FocalPoint, User

    user = User(email=f"fp-{uuid.uuid4().hex[:8]}@example.org", name="Fresh Focal",
                password_hash="x")
    db.session.add(user)
    db.session.flush()
    fp = FocalPoint(organization_id=_org(w), user_id=user.id)
    db.session.add(fp)
    db.session.commit()
    return fp.id


def _delegate(w) -> str:
    return f"/my/delegations/{_org(w)}/registrations/{w.objects['delegate_id']}"


def _api_delegate(w) -> str:
    return f"{_api(w)}/{_org(w)}/registrations/{w.objects['delegate_id']}"


RULES = {
    # Organizers: organizations, focal points, import/export, the delegations page.
    ("registration.organizations", "GET"): Rule(lambda w: f"{_ev(w)}/organizations/", MANAGE),
    ("registration.new_organization", "GET"): Rule(lambda w: f"{_ev(w)}/organizations/new",
                                                    MANAGE),
    ("registration.new_organization", "POST"): Rule(lambda w: f"{_ev(w)}/organizations/new",
                                                     MANAGE, data=lambda w: {}),
    ("registration.edit_organization", "GET"): Rule(
        lambda w: f"{_ev(w)}/organizations/{_org(w)}/edit", MANAGE),
    ("registration.edit_organization", "POST"): Rule(
        lambda w: f"{_ev(w)}/organizations/{_org(w)}/edit", MANAGE, data=lambda w: {}),
    ("registration.delete_organization", "POST"): Rule(
        lambda w: f"{_ev(w)}/organizations/{_fresh_org(w)}/delete", MANAGE,
        data=lambda w: {"confirm": "y"}),
    ("registration.add_focal_point", "POST"): Rule(
        lambda w: f"{_ev(w)}/organizations/{_org(w)}/focal-points", MANAGE, data=lambda w: {}),
    ("registration.remove_focal_point", "POST"): Rule(
        lambda w: f"{_ev(w)}/organizations/{_org(w)}/focal-points/{_fresh_focal_point(w)}/remove",
        MANAGE, data=lambda w: {}),
    ("registration.export_organizations", "GET"): Rule(
        lambda w: f"{_ev(w)}/organizations/export.csv", MANAGE),
    ("registration.import_organizations", "POST"): Rule(
        lambda w: f"{_ev(w)}/organizations/import", MANAGE, data=lambda w: {}),
    ("registration.delegations", "GET"): Rule(lambda w: f"{_ev(w)}/delegations", MANAGE),
    # Focal points: their page (empty for others), and acting for their organization only.
    ("registration.my_delegations", "GET"): Rule(lambda w: "/my/delegations", SIGNED_IN),
    ("registration.delegate_approve", "POST"): Rule(lambda w: f"{_delegate(w)}/approve", FOCAL,
                                                    data=lambda w: {}),
    ("registration.delegate_decline", "GET"): Rule(lambda w: f"{_delegate(w)}/decline", FOCAL),
    ("registration.delegate_decline", "POST"): Rule(lambda w: f"{_delegate(w)}/decline", FOCAL,
                                                    data=lambda w: {}, note="unconfirmed: 422"),
    ("registration.delegate_add", "GET"): Rule(lambda w: f"/my/delegations/{_org(w)}/add", FOCAL),
    ("registration.delegate_add", "POST"): Rule(lambda w: f"/my/delegations/{_org(w)}/add", FOCAL,
                                                data=lambda w: {}),
    # API: organizers.
    ("api_organizations.Organizations", "GET"): api_rule(_api, API_MANAGE),
    ("api_organizations.Organizations", "POST"): api_rule(_api, API_MANAGE, data=lambda w: {}),
    ("api_organizations.OrganizationDetail", "GET"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}", API_MANAGE),
    ("api_organizations.OrganizationDetail", "PATCH"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}", API_MANAGE, data=lambda w: {}),
    ("api_organizations.OrganizationDetail", "DELETE"): api_rule(
        lambda w: f"{_api(w)}/{_fresh_org(w)}", API_MANAGE),
    ("api_organizations.FocalPoints", "GET"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}/focal-points", API_MANAGE),
    ("api_organizations.FocalPoints", "POST"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}/focal-points", API_MANAGE, data=lambda w: {}),
    ("api_organizations.FocalPointDetail", "DELETE"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}/focal-points/{_fresh_focal_point(w)}", API_MANAGE),
    # API: the organization's focal points (and organizers).
    ("api_organizations.Delegates", "GET"): api_rule(
        lambda w: f"{_api(w)}/{_org(w)}/registrations", FOCAL),
    ("api_organizations.ApproveDelegate", "POST"): api_rule(
        lambda w: f"{_api_delegate(w)}/approve", FOCAL, data=lambda w: {}),
    ("api_organizations.DeclineDelegate", "POST"): api_rule(
        lambda w: f"{_api_delegate(w)}/decline", FOCAL, data=lambda w: {}),
    # A delegate's document (its note verbale): the focal point of its organization, the
    # organizers, administrators; hidden from anyone else.
    ("api_organizations.RegistrationDocument", "GET"): api_rule(
        lambda w: (f"/api/v1/events/{w.event.slug}/registrations/"
                   f"{w.objects['note_delegate_id']}/documents/{w.objects['note_question_id']}"),
        FOCAL),
}


def extend_world(world) -> None:
    """A pending registration on behalf of the world's organization."""
    from eventsapp.extensions import db
    from eventsapp.models import Modality, Registration, RegistrationStatus, utcnow
    from eventsapp.security import hash_token, new_token

    reg = Registration(event_id=world.event.id, name="Perm Delegate",
                       email="perm-delegate@example.org", organization="Perm Delegation",
                       organization_id=world.objects["organization"].id,
                       modality=Modality.IN_PERSON, status=RegistrationStatus.PENDING,
                       manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                       join_token=new_token(), created_at=utcnow())
    db.session.add(reg)
    db.session.commit()
    world.objects["delegate_id"] = reg.id
    world.objects["new_organization"] = lambda: _fresh_org(world)
    world.objects["new_focal_point"] = lambda: _fresh_focal_point(world)
    _note_verbale(world)


def _note_verbale(world) -> None:
    """A delegate of the world's organization who sent a note verbale (a PDF), apart
    from the pending delegate (which some requests decide)."""
    from eventsapp.db_tx import transaction
    from eventsapp.extensions import db
    from eventsapp.models import Modality, Registration, RegistrationAnswer, RegistrationStatus
    from eventsapp.registration import documents
    from eventsapp.security import hash_token, new_token
    from tests.support.questions_support import PDF
    from tests.support.questions_support import question as make_question

    q = make_question(world.event, "file", "Note verbale", required=False)
    db.session.commit()
    with transaction():
        reg = Registration(event_id=world.event.id, name="Noted Delegate",
                           email="perm-noted@example.org", organization="Perm Delegation",
                           organization_id=world.objects["organization"].id,
                           modality=Modality.ONLINE, status=RegistrationStatus.CONFIRMED,
                           manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                           join_token=new_token())
        db.session.add(reg)
        db.session.flush()
        up = documents.check(PDF, "note.pdf")
        db.session.add(RegistrationAnswer(registration_id=reg.id, question_id=q.id, value_text="",
                                          file_key=documents.write(up), file_name=up.name,
                                          file_type=up.content_type, file_size=up.size))
        reg_id = reg.id
    world.objects["note_delegate_id"] = reg_id
    world.objects["note_question_id"] = q.id
