"""Tenancy: an organizer reaches only the events they organize.

Two events: A (published, organized by org_a, with data of every kind) and B (organized
by org_b). org_b attacks A's objects by id, through the API (org_b's bearer token) and the
HTML forms (signed in; routes of B's slug with A's ids, and routes of A's slug), and the
whole database must be unchanged afterwards. Every route of ``app.url_map`` with an
``<int:...>`` argument has an attack case here or sits in the commented allow-list.

Expected answers:
- 404 for an id of another event under B's slug, for private objects (drafts,
  registrations, unpublished pledges, people of drafts) and for people org_b may not use;
- 403 on A's own slug: the route is event-level and A is public, so its existence is no
  secret; also for public objects reached by id alone (a published session of A, a
  published pledge of A): they are public pages, only the change is refused.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from eventsapp.auth.services import create_api_token
from eventsapp.db_tx import transaction
from eventsapp.extensions import db as _db
from eventsapp.models import (
    ApiToken,
    CheckIn,
    EventRole,
    EventRoleKind,
    FocalPoint,
    Modality,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Person,
    PledgeReport,
    PledgeState,
    ProgressStatus,
    Registration,
    RegistrationAnswer,
    RegistrationStatus,
    SessionRole,
    StakeholderType,
)
from eventsapp.registration import documents
from eventsapp.security import hash_token, new_token
from tests.support.pledges_support import entity, make_pledge
from tests.support.questions_support import PDF, question

from .conftest import login

HIDDEN, DENY = 404, 403
TOKEN_B = "tenancy-manage-link-of-b-0123456789abcdefghijkl"


# ------------------------------------------------------------------ the two events

@dataclass
class Tenants:
    a: object = None
    b: object = None
    draft: object = None  # org_a's draft event
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)  # plain bearer tokens
    o: dict = field(default_factory=dict)  # name -> object of A (or B, named *_b)


def _photo() -> str:
    from PIL import Image

    from eventsapp.programme import photos

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "PNG")
    return photos.store(photos.clean_image(buf.getvalue()))


def _registration(event, name: str, user=None) -> Registration:
    return Registration(event_id=event.id, user_id=user.id if user else None, name=name,
                        email=f"{name.lower().replace(' ', '-')}@example.org",
                        modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED,
                        manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                        join_token=new_token(), confirmed_at=datetime.now(UTC))


@pytest.fixture
def t(app, make_user, make_event, make_room, make_session, make_person) -> Tenants:
    w = Tenants()
    w.a = make_event(title="Event A")
    w.b = make_event(title="Event B")
    w.draft = make_event(title="Draft of A", published=False)
    w.users["org_a"] = make_user(name="Org A", organizer_of=[w.a, w.draft])
    w.users["org_b"] = make_user(name="Org B", organizer_of=w.b)
    w.users["staff_a"] = make_user(name="Staff A", staff_of=w.a)
    w.users["admin"] = make_user(name="Admin", is_admin=True)
    w.users["speaker"] = make_user(name="Speaker with account")
    for name, u in w.users.items():
        w.tokens[name] = create_api_token(u, "tenancy")[1]
    o = w.o
    # Programme of A: a room, a published session with a public speaker, an unpublished
    # session whose speaker appears nowhere else, and a draft event's speaker.
    o["room"] = make_room(w.a, "Room A")
    o["person"] = make_person("Ada Public", "Org A", photo_filename=_photo())
    o["person_unpub"] = make_person("Una Unpublished", "Org A", photo_filename=_photo())
    o["person_draft"] = make_person("Dora Draft", "Org A", photo_filename=_photo())
    o["orphan"] = make_person("Orla Orphan", "Org A", created_by_id=w.users["org_a"].id)
    o["session"] = make_session(w.a, room=o["room"], people=[(o["person"], "moderator")],
                                stream_url="https://stream.example.org/a-private")
    o["session_unpub"] = make_session(w.a, published=False,
                                      people=[(o["person_unpub"], "speaker")])
    o["session_draft"] = make_session(w.draft, people=[(o["person_draft"], "keynote")])
    o["role"] = o["session"].roles[0]
    # Programme of B.
    o["room_b"] = make_room(w.b, "Room B")
    o["person_b"] = make_person("Bea B", "Org B")
    o["session_b"] = make_session(w.b, room=o["room_b"], people=[(o["person_b"], "speaker")])
    o["orphan_b"] = make_person("Obi Orphan", "Org B", created_by_id=w.users["org_b"].id)
    # Registrations, badges, check-ins, outbox, team, tokens, pledges of A.
    reg = _registration(w.a, "Reggie A")
    reg_b = _registration(w.b, "Reggie B")
    _db.session.add_all([reg, reg_b])
    _db.session.flush()
    _db.session.add(CheckIn(registration_id=reg.id, event_id=w.a.id, day=date.today(),
                            checked_in_by_id=w.users["staff_a"].id))
    msg = OutboxMessage(event_id=w.a.id, kind="test", to_address=reg.email, subject="A only",
                        body_text="Private to A", status=OutboxStatus.FAILED, attempts=5)
    _db.session.add(msg)
    _db.session.commit()
    o["registration"], o["registration_b"], o["message"] = reg, reg_b, msg
    o["team_role"] = _db.session.scalar(sa.select(EventRole).where(
        EventRole.event_id == w.a.id, EventRole.role == EventRoleKind.CHECKIN_STAFF))
    o["token"] = _db.session.scalar(sa.select(ApiToken).where(
        ApiToken.user_id == w.users["org_a"].id))
    pledge = make_pledge(w.a, session=o["session"], announced_by=o["person"],
                         entities=[entity("Entity of A")], commit=False)
    pledge.update_token_hash = hash_token(new_token())
    pledge.reports.append(PledgeReport(reported_on=date.today(), status=ProgressStatus.IN_PROGRESS,
                                       percent_complete=40, narrative="A's report"))
    _db.session.commit()
    o["pledge"] = pledge
    o["pledge_private"] = make_pledge(w.a, state=PledgeState.SUBMITTED)
    o["pledge_b"] = make_pledge(w.b, state=PledgeState.SUBMITTED)
    # A's registration question, and a document A's registrant sent with it; B's
    # registrant holds a manage link (TOKEN_B) known to the attacker.
    o["question"] = question(w.a, "file", "Note verbale of A")
    with transaction():
        up = documents.check(PDF, "a.pdf")
        answer = RegistrationAnswer(registration_id=reg.id, question_id=o["question"].id,
                                    value_text="", file_key=documents.write(up),
                                    file_name=up.name, file_type=up.content_type, file_size=up.size)
        _db.session.add(answer)
    o["document"] = answer
    reg_b.manage_token_hash = hash_token(TOKEN_B)
    _db.session.commit()
    _organizations(w, make_user)
    _invitations(w)
    _visa_request(w)
    return w


def _invitations(w: Tenants) -> None:
    """An invitation of A (its code known to the attacker, who brings it to B)."""
    from eventsapp.registration import invitations

    created = invitations.create_invitation(w.a, {"label": "VIPs of A", "category": "vip"},
                                            w.users["org_a"])
    w.o["invitation"], w.o["invitation_code"] = created.invitation, created.code


def _visa_request(w: Tenants) -> None:
    """A's registrant asks for a letter of invitation (not decided yet)."""
    from eventsapp.models import VisaLetterRequest

    req = VisaLetterRequest(registration_id=w.o["registration"].id, event_id=w.a.id,
                            nationality="RW", passport_number="PC1234567",
                            date_of_birth=date(1980, 1, 2))
    _db.session.add(req)
    _db.session.commit()
    w.o["visa_request"] = req


def _organizations(w: Tenants, make_user) -> None:
    """An organization of A with its focal point and a pending delegate; one of B with
    its own focal point ("focal_b") and delegate."""
    w.users["focal_a"] = make_user(name="Focal A")
    w.users["focal_b"] = make_user(name="Focal B")
    for name in ("focal_a", "focal_b"):
        w.tokens[name] = create_api_token(w.users[name], "tenancy")[1]
    for key, event, focal in (("org", w.a, "focal_a"), ("org_b", w.b, "focal_b")):
        org = Organization(event_id=event.id, name=f"Delegation of {event.title}",
                           kind=StakeholderType.CIVIL_SOCIETY, max_registrations=5)
        _db.session.add(org)
        _db.session.flush()
        fp = FocalPoint(organization_id=org.id, user_id=w.users[focal].id)
        delegate = _registration(event, f"Delegate {key}")
        delegate.status = RegistrationStatus.PENDING
        delegate.organization_id = org.id
        _db.session.add_all([fp, delegate])
        _db.session.commit()
        w.o[key], w.o[f"focal_point_{key}"], w.o[f"delegate_{key}"] = org, fp, delegate


def snapshot() -> dict:
    """Every row of every table (A's objects and everyone else's)."""
    _db.session.commit()
    out = {}
    for table in _db.metadata.sorted_tables:
        cols = [c for c in table.c if (table.name, c.name) not in VOLATILE]
        rows = _db.session.execute(sa.select(*cols)).all()
        out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


# Columns a refused request may still write: org_b's token records its use.
VOLATILE = {("api_tokens", "last_used_at")}


def diff(before: dict, after: dict) -> list[str]:
    out = []
    for name, rows in before.items():
        if rows != after[name]:
            gone = set(rows) - set(after[name])
            new = set(after[name]) - set(rows)
            out.append(f"{name}: -{sorted(gone)[:2]} +{sorted(new)[:2]}")
    return out


# ------------------------------------------------------------------ the attack cases

@dataclass
class Case:
    endpoint: str
    method: str
    url: str
    expect: int | tuple
    api: bool = False
    body: dict | None = None
    note: str = ""


def cases(t: Tenants) -> list[Case]:
    """Every attack of org_b on A (ids of A under B's slug, under A's slug, and alone)."""
    o, a, b = t.o, t.a.slug, t.b.slug
    room, s, s_unpub, role = o["room"].id, o["session"].id, o["session_unpub"].id, o["role"].id
    s_draft = o["session_draft"].id
    person, p_unpub, p_draft = o["person"].id, o["person_unpub"].id, o["person_draft"].id
    orphan = o["orphan"].id
    reg, msg, team, token = o["registration"].id, o["message"].id, o["team_role"].id, o["token"].id
    pledge, pledge_private = o["pledge"].id, o["pledge_private"].id
    s_b = o["session_b"].id
    out: list[Case] = []

    def both(endpoint, method, path, ids_for_b, body=None, a_expect=DENY):
        """The route under B's slug with A's ids (404) and under A's slug (403)."""
        for ident in ids_for_b:
            out.append(Case(endpoint, method, f"/events/{b}/" + path.format(*ident), HIDDEN,
                            body=body))
            out.append(Case(endpoint, method, f"/events/{a}/" + path.format(*ident), a_expect,
                            body=body))

    # ---- programme, HTML
    both("programme_admin.edit_room", "GET", "rooms/{}/edit", [(room,)])
    both("programme_admin.edit_room", "POST", "rooms/{}/edit", [(room,)], {"name": "Taken"})
    both("programme_admin.delete_room", "POST", "rooms/{}/delete", [(room,)], {})
    for sid in (s, s_unpub, s_draft):
        both("programme_admin.edit_session", "GET", "sessions/{}/edit", [(sid,)])
        both("programme_admin.edit_session", "POST", "sessions/{}/edit", [(sid,)],
             {"type": "keynote", "title": "Taken", "day": "2030-01-01", "start": "10:00",
              "end": "11:00"})
        both("programme_admin.delete_session", "POST", "sessions/{}/delete", [(sid,)], {})
        both("programme_admin.add_person", "POST", "sessions/{}/people", [(sid,)],
             {"person_id": str(o["person_b"].id), "role": "speaker"})
        both("programme_admin.create_person_on_session", "POST", "sessions/{}/people/new",
             [(sid,)], {"np-name": "Intruder", "np-role": "speaker"})
        both("online.session_links", "GET", "online/sessions/{}", [(sid,)])
        both("online.session_links", "POST", "online/sessions/{}", [(sid,)],
             {"stream_url": "https://evil.example.org/"})
        both("pledges_manage.desk", "GET", "pledges/desk/{}", [(sid,)])
        both("pledges_manage.desk_announce", "POST", "pledges/desk/{}/announce", [(sid,)],
             {"pledge_id": str(o["pledge_b"].id)})
        both("pledges_manage.desk_enter", "POST", "pledges/desk/{}/enter", [(sid,)],
             {"title": "Taken", "type": "financial", "focus_area": "access",
              "entity_name": "Intruder Inc", "entity_sector": "private_sector"})
    # A's session under B's slug: public pages of B must not show A's session either.
    for endpoint, path in (("programme.session_page", "sessions/{}"),
                           ("programme.session_ics", "sessions/{}.ics")):
        out.append(Case(endpoint, "GET", f"/events/{b}/" + path.format(s), HIDDEN))
    for endpoint in ("programme.star", "programme.unstar"):
        out.append(Case(endpoint, "POST", f"/events/{b}/sessions/{s}/{endpoint[10:]}", HIDDEN,
                        body={}))
    # Roles of A's session: with A's session id and with B's own session id.
    for path_ids in ((s, role), (s_b, role)):
        both("programme_admin.remove_person", "POST", "sessions/{}/people/{}/remove",
             [path_ids], {})
        both("programme_admin.move_person", "POST", "sessions/{}/people/{}/move", [path_ids],
             {"direction": "down"})
        both("programme_admin.change_person_role", "POST", "sessions/{}/people/{}/role",
             [path_ids], {"role": "host"})
    # A's people through B's forms: add to B's session, edit (with B's slug and A's).
    for pid in (person, p_unpub, p_draft, orphan):
        out.append(Case("programme_admin.add_person", "POST", f"/events/{b}/sessions/{s_b}/people",
                        HIDDEN, body={"person_id": str(pid), "role": "speaker"},
                        note="the person takeover, HTML"))
        both("programme_admin.edit_person", "GET", "people/{}/edit", [(pid,)])
        both("programme_admin.edit_person", "POST", "people/{}/edit", [(pid,)],
             {"name": "Taken", "account_email": t.users["org_b"].email})
        out.append(Case("programme.speaker_page", "GET", f"/events/{b}/speakers/{pid}", HIDDEN))
        out.append(Case("programme.speaker_ics", "GET", f"/events/{b}/speakers/{pid}.ics",
                        HIDDEN))
    for pid in (p_unpub, p_draft, orphan):  # not public: no photo for others
        out.append(Case("programme.person_photo", "GET", f"/people/{pid}/photo", HIDDEN))
    # ---- programme, API
    for path in (f"/api/v1/events/{b}/rooms/{room}", f"/api/v1/events/{a}/rooms/{room}"):
        want = HIDDEN if f"/{b}/" in path else DENY
        out.append(Case("api_programme.EventRoom", "PATCH", path, want, api=True,
                        body={"name": "Taken"}))
        out.append(Case("api_programme.EventRoom", "DELETE", path, want, api=True))
    for sid, want in ((s, DENY), (s_unpub, HIDDEN), (s_draft, HIDDEN)):
        out.append(Case("api_programme.SessionDetail", "PATCH", f"/api/v1/sessions/{sid}", want,
                        api=True, body={"title": "Taken"}))
        out.append(Case("api_programme.SessionDetail", "DELETE", f"/api/v1/sessions/{sid}", want,
                        api=True))
    for sid in (s_unpub, s_draft):
        out.append(Case("api_programme.SessionDetail", "GET", f"/api/v1/sessions/{sid}", HIDDEN,
                        api=True))
    for pid in (person, p_unpub, p_draft, orphan):
        out.append(Case("api_programme.SessionDetail", "PATCH", f"/api/v1/sessions/{s_b}",
                        HIDDEN, api=True, body={"people": [{"person_id": pid}]},
                        note="the person takeover, API"))
        out.append(Case("api_programme.EventSessions", "POST", f"/api/v1/events/{b}/sessions",
                        HIDDEN, api=True, body={
                            "type": "keynote", "title": "T", "starts_at": "2030-01-01T10:00",
                            "ends_at": "2030-01-01T11:00", "people": [{"person_id": pid}]}))
        out.append(Case("api_programme.PersonDetail", "PATCH", f"/api/v1/people/{pid}", HIDDEN,
                        api=True, body={"name": "Taken",
                                        "account_email": t.users["org_b"].email}))
        out.append(Case("api_programme.PersonDetail", "DELETE", f"/api/v1/people/{pid}", HIDDEN,
                        api=True))
    for pid in (p_unpub, p_draft, orphan):
        out.append(Case("api_programme.PersonDetail", "GET", f"/api/v1/people/{pid}", HIDDEN,
                        api=True))
    # A room id of A in a body of B: answered as an unknown room (422, as for any id).
    out.append(Case("api_programme.SessionDetail", "PATCH", f"/api/v1/sessions/{s_b}", 422,
                    api=True, body={"room_id": room}))
    # ---- registrations, badges, check-ins, outbox, team, tokens
    for path in ("registrations/{}", "badges/{}/badge.pdf"):
        endpoint = "registration.detail" if path.startswith("reg") else "badges.organizer_badge_pdf"
        both(endpoint, "GET", path, [(reg,)])
    for endpoint, path, body in (
            ("registration.approve", "registrations/{}/approve", {}),
            ("registration.decline", "registrations/{}/decline", {}),
            ("registration.set_category", "registrations/{}/category", {"category": "vip"}),
            ("registration.erase", "registrations/{}/erase", {"confirm": "erase"}),
            ("badges.reissue", "badges/{}/reissue", {}),
            ("registration.outbox_retry", "outbox/{}/retry", {}),
            ("console.remove_team_member", "console/team/{}/remove", {})):
        ident = {"registration.outbox_retry": msg, "console.remove_team_member": team}.get(
            endpoint, reg)
        both(endpoint, "POST", path, [(ident,)], body)
    # ---- registration questions and documents
    qid, doc = o["question"].id, o["document"].id
    both("registration.edit_question", "GET", "registrations/questions/{}/edit", [(qid,)])
    both("registration.edit_question", "POST", "registrations/questions/{}/edit", [(qid,)],
         {"labels.en": "Taken", "kind": "file"})
    both("registration.move_question", "POST", "registrations/questions/{}/move", [(qid,)],
         {"direction": "up"})
    both("registration.delete_question", "GET", "registrations/questions/{}/delete", [(qid,)])
    both("registration.delete_question", "POST", "registrations/questions/{}/delete", [(qid,)],
         {"confirm": "y"})
    # A's document: under either slug (a document's existence is not revealed: 404), and
    # with B's own registration's id.
    both("registration.document", "GET", "registrations/{}/documents/{}",
         [(reg, doc), (o["registration_b"].id, doc)], a_expect=HIDDEN)
    out.append(Case("registration.manage_document", "GET", f"/r/{TOKEN_B}/documents/{doc}",
                    HIDDEN, note="B's manage link, A's document"))
    for path, want in ((f"/api/v1/events/{b}/questions/{qid}", HIDDEN),
                       (f"/api/v1/events/{a}/questions/{qid}", DENY)):
        out.append(Case("api_questions.EventQuestion", "PATCH", path, want, api=True,
                        body={"required": True}))
        out.append(Case("api_questions.EventQuestion", "DELETE", path, want, api=True))
    out.append(Case("api_questions.EventQuestion", "GET", f"/api/v1/events/{b}/questions/{qid}",
                    HIDDEN, api=True))
    # ---- organizations, focal points, delegations (organizers' pages and API)
    org, fp, delegate = o["org"].id, o["focal_point_org"].id, o["delegate_org"].id
    both("registration.edit_organization", "GET", "organizations/{}/edit", [(org,)])
    both("registration.edit_organization", "POST", "organizations/{}/edit", [(org,)],
         {"name": "Taken", "kind": "academia"})
    both("registration.delete_organization", "POST", "organizations/{}/delete", [(org,)],
         {"confirm": "y"})
    both("registration.add_focal_point", "POST", "organizations/{}/focal-points", [(org,)],
         {"email": t.users["org_b"].email})
    both("registration.remove_focal_point", "POST", "organizations/{}/focal-points/{}/remove",
         [(org, fp)], {})
    # B's own organization with A's focal point id.
    out.append(Case("registration.remove_focal_point", "POST",
                    f"/events/{b}/organizations/{o['org_b'].id}/focal-points/{fp}/remove",
                    HIDDEN, body={}))
    api_org = "/api/v1/events/{}/organizations/" + str(org)
    for slug, want in ((b, HIDDEN), (a, DENY)):
        base = api_org.format(slug)
        out += [Case("api_organizations.OrganizationDetail", "GET", base, want, api=True),
                Case("api_organizations.OrganizationDetail", "PATCH", base, want, api=True,
                     body={"name": "Taken"}),
                Case("api_organizations.OrganizationDetail", "DELETE", base, want, api=True),
                Case("api_organizations.FocalPoints", "GET", f"{base}/focal-points", want,
                     api=True),
                Case("api_organizations.FocalPoints", "POST", f"{base}/focal-points", want,
                     api=True, body={"email": t.users["org_b"].email}),
                Case("api_organizations.FocalPointDetail", "DELETE", f"{base}/focal-points/{fp}",
                     want, api=True)]
        # Deciding A's delegates: org_b is neither A's organizer nor the focal point.
        out += [Case("api_organizations.Delegates", "GET", f"{base}/registrations", HIDDEN,
                     api=True),
                Case("api_organizations.ApproveDelegate", "POST",
                     f"{base}/registrations/{delegate}/approve", HIDDEN, api=True, body={}),
                Case("api_organizations.DeclineDelegate", "POST",
                     f"{base}/registrations/{delegate}/decline", HIDDEN, api=True)]
    out += focal_cases(t, "org")
    # A's registration's document over the API (by question id): its existence is not
    # revealed, under either slug.
    for slug in (b, a):
        out.append(Case("api_organizations.RegistrationDocument", "GET",
                        f"/api/v1/events/{slug}/registrations/{o['registration'].id}/documents/"
                        f"{o['question'].id}", HIDDEN, api=True))
    # ---- letters of invitation for visas (A's request, by id)
    visa_req = o["visa_request"].id
    both("registration.visa_letter_detail", "GET", "registrations/visa-letters/{}", [(visa_req,)])
    both("registration.visa_letter_pdf", "GET", "registrations/visa-letters/{}/letter.pdf",
         [(visa_req,)])
    both("registration.visa_letter_approve", "POST", "registrations/visa-letters/{}/approve",
         [(visa_req,)], {})
    both("registration.visa_letter_decline", "POST", "registrations/visa-letters/{}/decline",
         [(visa_req,)], {"confirm": "1"})
    for slug, want in ((b, HIDDEN), (a, DENY)):
        base = f"/api/v1/events/{slug}/visa-letters/{visa_req}"
        out += [Case("api_visa.VisaLetter", "GET", base, want, api=True),
                Case("api_visa.ApproveVisaLetter", "POST", f"{base}/approve", want, api=True),
                Case("api_visa.DeclineVisaLetter", "POST", f"{base}/decline", want, api=True)]
    # A's registration settings (event-level: 403 on A's slug), page and API.
    out.append(Case("registration.settings", "POST", f"/events/{a}/registrations/settings",
                    DENY, body={"public_categories": "vip", "capacity_in_person": "0"}))
    out.append(Case("api_registration.RegistrationSettings", "PATCH",
                    f"/api/v1/events/{a}/registration-settings", DENY, api=True,
                    body={"capacity_in_person": 0, "approval_categories": ["participant"]}))
    # A's badge code at B's door: not admitted, nothing written.
    out.append(Case("api_checkins.Checkins", "POST", f"/api/v1/events/{b}/checkins", (200, 404),
                    api=True, body={"code": o["registration"].badge_code}))
    out.append(Case("badges.scan", "POST", f"/events/{b}/checkin/scan", (200, 404, 422),
                    body={"code": o["registration"].badge_code}))
    # B's join secret with A's session id: no redirect to A's stream.
    out.append(Case("online.join", "GET",
                    f"/join/{o['registration_b'].join_token}/{s}", HIDDEN, note="no login"))
    out.append(Case("auth.revoke_token", "POST", f"/account/tokens/{token}/revoke", HIDDEN,
                    body={}))
    # ---- pledges (by id alone: a published pledge is public, so 403; else 404)
    for pid, want in ((pledge, DENY), (pledge_private, HIDDEN)):
        out += [
            Case("pledges.report", "GET", f"/pledges/{pid}/report", want),
            Case("pledges.report", "POST", f"/pledges/{pid}/report", want,
                 body={"status": "completed", "percent_complete": "100",
                       "reported_on": date.today().isoformat()}),
            Case("pledges_manage.edit", "GET", f"/pledges/{pid}/edit", want),
            Case("pledges_manage.edit", "POST", f"/pledges/{pid}/edit", want,
                 body={"title": "Taken"}),
            Case("pledges_manage.moderate", "POST", f"/pledges/{pid}/moderate", want,
                 body={"action": "decline", "reason": "taken"}),
            Case("pledges_manage.send_update_link", "POST", f"/pledges/{pid}/update-link", want,
                 body={"email": t.users["org_b"].email}),
            Case("pledges_manage.revoke_update_link", "POST",
                 f"/pledges/{pid}/update-link/revoke", want, body={}),
            Case("api_pledges.PledgeDetail", "PATCH", f"/api/v1/pledges/{pid}", want, api=True,
                 body={"title": "Taken"}),
            Case("api_pledges.Announce", "POST", f"/api/v1/pledges/{pid}/announce", want,
                 api=True, body={"session_id": s_b, "event": b}),
            Case("api_pledges.Moderate", "POST", f"/api/v1/pledges/{pid}/moderate", want,
                 api=True, body={"action": "decline", "reason": "taken"}),
        ]
    out.append(Case("pledges.pledge_page", "GET", f"/pledges/{pledge_private}", HIDDEN))
    out.append(Case("api_pledges.PledgeDetail", "GET", f"/api/v1/pledges/{pledge_private}",
                    HIDDEN, api=True))
    # B's own pledge announced at A's session, or by A's speaker: refused like unknown ids.
    for body in ({"session_id": s}, {"session_id": s_b, "announced_by_id": person}):
        out.append(Case("api_pledges.Announce", "POST", f"/api/v1/pledges/{o['pledge_b'].id}/announce",
                        (404, 422), api=True, body=body))
    out += invitation_cases(t)
    out += bulk_cases(t)
    return out


def invitation_cases(t: Tenants) -> list[Case]:
    """A's invitation by id (pages and API, under either slug), and its code at B."""
    a, b, inv = t.a.slug, t.b.slug, t.o["invitation"].id
    out: list[Case] = []
    for slug, want in ((b, HIDDEN), (a, DENY)):
        page = f"/events/{slug}/registrations/invitations/{inv}"
        api = f"/api/v1/events/{slug}/invitations/{inv}"
        out += [Case("registration.invitation_detail", "GET", page, want),
                Case("registration.revoke_invitation", "POST", f"{page}/revoke", want,
                     body={"confirm": "1"}),
                Case("api_invitations.EventInvitation", "GET", api, want, api=True),
                Case("api_invitations.RevokeInvitation", "POST", f"{api}/revoke", want,
                     api=True)]
    # A's code registering at B: not valid there, nothing written.
    body = {"name": "Intruder", "email": "intruder@example.org", "modality": "in_person",
            "invitation": t.o["invitation_code"]}
    out += [Case("api_registration.Registrations", "POST", f"/api/v1/events/{b}/registrations",
                 422, api=True, body=body, note="A's invitation code"),
            Case("registration.register", "POST", f"/events/{b}/register", 422, body=body,
                 note="A's invitation code")]
    return out


def bulk_cases(t: Tenants) -> list[Case]:
    """Bulk actions and messages with A's registration ids: under B's slug they are
    unknown (refused per id, nobody written to), under A's slug 403."""
    a, b, reg = t.a.slug, t.b.slug, t.o["registration"].id
    out = []
    for slug, html_want, api_want in ((b, (200, 303), 200), (a, DENY, DENY)):
        for action in ("decline", "approve", "write"):
            out.append(Case("registration.bulk_action", "POST",
                            f"/events/{slug}/registrations/bulk", html_want,
                            body={"scope": "selected", "action": action, "id": str(reg),
                                  "confirm": "1"}))
        out.append(Case("registration.message", "POST", f"/events/{slug}/registrations/message",
                        (422,) if slug == b else DENY,
                        body={"by_ids": "1", "id": str(reg), "subject": "Hi",
                              "body": "{manage_link}", "confirm": "1"}))
        out.append(Case("api_registrant_actions.BulkActions", "POST",
                        f"/api/v1/events/{slug}/registrations/bulk", api_want, api=True,
                        body={"action": "decline", "ids": [reg]}))
        out.append(Case("api_registrant_actions.Messages", "POST", f"/api/v1/events/{slug}/messages",
                        api_want, api=True,
                        body={"subject": "Hi", "body": "{manage_link}", "ids": [reg]}))
        out.append(Case("api_registrant_actions.Messages", "POST", f"/api/v1/events/{slug}/messages",
                        HIDDEN if slug == b else DENY, api=True,
                        body={"subject": "Hi", "body": "Hi", "preview": True, "preview_id": reg}))
    return out


def focal_cases(t: Tenants, key: str) -> list[Case]:
    """The focal points' pages on the organization ``t.o[key]``, with its delegate and
    with the delegate of the other organization (all 404 for anyone not acting for it)."""
    org = t.o[key].id
    out = []
    for delegate in (t.o["delegate_org"].id, t.o["delegate_org_b"].id):
        path = f"/my/delegations/{org}/registrations/{delegate}"
        out += [Case("registration.delegate_approve", "POST", f"{path}/approve", HIDDEN, body={}),
                Case("registration.delegate_decline", "GET", f"{path}/decline", HIDDEN),
                Case("registration.delegate_decline", "POST", f"{path}/decline", HIDDEN,
                     body={"confirm": "y"})]
    out += [Case("registration.delegate_add", "GET", f"/my/delegations/{org}/add", HIDDEN),
            Case("registration.delegate_add", "POST", f"/my/delegations/{org}/add", HIDDEN,
                 body={"name": "Intruder", "email": "intruder@example.org",
                       "modality": "in_person"})]
    return out


# Routes with an <int:...> argument that are not attacks: who may read what they show
# is tested elsewhere, and none of them writes.
ALLOWED = {
    # Public pages of a published event, by id: anyone reads A's public session, speaker,
    # pledge; B's slug with A's ids is attacked above.
    ("programme.session_page", "GET"): "public page (attacked under B's slug)",
    ("api_programme.SessionDetail", "GET"): "public session; drafts attacked",
    ("api_programme.PersonDetail", "GET"): "public profile; drafts' speakers attacked",
    ("programme.person_photo", "GET"): "public photo; drafts' speakers attacked",
    ("pledges.pledge_page", "GET"): "published pledge is public; unpublished attacked",
    ("api_pledges.PledgeDetail", "GET"): "published pledge is public; unpublished attacked",
}


def _int_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((rule.endpoint, method))
    return out


def test_every_route_with_an_id_is_attacked_or_allowed(app, t):
    attacked = {(c.endpoint, c.method) for c in cases(t)}
    missing = sorted(_int_routes(app) - attacked - set(ALLOWED))
    assert not missing, f"routes with an id and no attack case (add one, or allow it): {missing}"
    stale = sorted(set(ALLOWED) - _int_routes(app))
    assert not stale, f"allow-list entries for routes that do not exist: {stale}"


def test_org_b_reaches_nothing_of_event_a(app, t):
    html = app.test_client()
    login(html, t.users["org_b"])
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {t.tokens['org_b']}"}
    before = snapshot()
    failures = []
    for c in cases(t):
        client = api if c.api else html
        kwargs = {"headers": bearer} if c.api else {}
        if c.body is not None:
            kwargs["json" if c.api else "data"] = c.body
        resp = client.open(c.url, method=c.method, **kwargs)
        want = c.expect if isinstance(c.expect, tuple) else (c.expect,)
        if resp.status_code not in want:
            failures.append(f"{c.method} {c.url} ({c.endpoint}{', ' + c.note if c.note else ''})"
                            f": {resp.status_code}, expected {c.expect}")
        if c.endpoint == "online.join" and resp.status_code in (301, 302, 303):
            failures.append(f"{c.url} redirects to {resp.headers.get('Location')}")
        after = snapshot()
        changed = diff(before, after)
        if changed:
            failures.append(f"{c.method} {c.url} ({c.endpoint}) changed: {changed}")
            before = after
    assert not failures, "\n".join(failures)


def test_focal_point_of_b_reaches_nothing_of_a_delegation(app, t):
    """B's focal point acts on A's organization (its id in the URL), on A's delegate
    through B's own organization, and through the API: 404 everywhere, nothing changes."""
    html = app.test_client()
    login(html, t.users["focal_b"])
    bearer = {"Authorization": f"Bearer {t.tokens['focal_b']}"}
    o = t.o
    attacks = focal_cases(t, "org") + [
        c for c in focal_cases(t, "org_b") if f"/registrations/{o['delegate_org'].id}/" in c.url]
    a_delegate = o["delegate_org"].id
    for base in (f"/api/v1/events/{t.a.slug}/organizations/{o['org'].id}/registrations",
                 # its own organization, with A's delegate
                 f"/api/v1/events/{t.b.slug}/organizations/{o['org_b'].id}/registrations"):
        attacks += [Case("api_organizations.ApproveDelegate", "POST",
                         f"{base}/{a_delegate}/approve", HIDDEN, api=True, body={}),
                    Case("api_organizations.DeclineDelegate", "POST",
                         f"{base}/{a_delegate}/decline", HIDDEN, api=True)]
    attacks.append(Case("api_organizations.Delegates", "GET",
                        f"/api/v1/events/{t.a.slug}/organizations/{o['org'].id}/registrations",
                        HIDDEN, api=True))
    # A's documents, page and API: B's focal point is no focal point of A's registrations.
    for slug in (t.a.slug, t.b.slug):
        attacks += [Case("registration.document", "GET",
                         f"/events/{slug}/registrations/{o['registration'].id}/documents/"
                         f"{o['document'].id}", HIDDEN),
                    Case("api_organizations.RegistrationDocument", "GET",
                         f"/api/v1/events/{slug}/registrations/{o['registration'].id}/documents/"
                         f"{o['question'].id}", HIDDEN, api=True)]
    before = snapshot()
    failures = []
    for c in attacks:
        kwargs = {"headers": bearer} if c.api else {}
        if c.body is not None:
            kwargs["json" if c.api else "data"] = c.body
        resp = (app.test_client() if c.api else html).open(c.url, method=c.method, **kwargs)
        if resp.status_code != c.expect:
            failures.append(f"{c.method} {c.url}: {resp.status_code}, expected {c.expect}")
    assert not failures, "\n".join(failures)
    assert diff(before, snapshot()) == []
    # What B's focal point may do still works: approving B's own delegate.
    resp = app.test_client().post(
        f"/api/v1/events/{t.b.slug}/organizations/{o['org_b'].id}/registrations/"
        f"{o['delegate_org_b'].id}/approve", headers=bearer, json={})
    assert resp.status_code == 200, resp.get_json()


# ------------------------------------------------------------------ the person takeover

def test_org_b_cannot_take_a_speaker_of_a(app, t, make_user):
    """The reported attack, step by step: put A's speaker on B's session, then rename
    and link it to org_b's account (which would show A's stream link under My sessions)."""
    o, org_b = t.o, t.users["org_b"]
    bearer = {"Authorization": f"Bearer {t.tokens['org_b']}"}
    client = app.test_client()
    resp = client.patch(f"/api/v1/sessions/{o['session_b'].id}", headers=bearer,
                        json={"people": [{"person_id": o["person"].id, "role": "speaker"}]})
    assert resp.status_code == 404
    resp = client.patch(f"/api/v1/people/{o['person'].id}", headers=bearer,
                        json={"name": "Mine now", "account_email": org_b.email})
    assert resp.status_code == 404
    _db.session.expire_all()
    person = _db.session.get(Person, o["person"].id)
    assert person.name == "Ada Public" and person.user_id is None
    assert {r.session.event_id for r in person.roles} == {t.a.id}
    login(client, org_b)
    page = client.get("/my/sessions").text
    assert o["session"].title not in page
    assert "a-private" not in client.get(f"/events/{t.a.slug}/sessions/{o['session'].id}").text


def test_a_shared_profile_is_used_but_not_edited_by_one_of_its_organizers(app, t):
    """A profile on sessions of A and B (put there by an administrator): org_b may keep
    and reuse it, but renaming, deleting or linking it would change A: administrators
    (or an organizer of both) do that."""
    o, org_b = t.o, t.users["org_b"]
    admin = {"Authorization": f"Bearer {t.tokens['admin']}"}
    bearer = {"Authorization": f"Bearer {t.tokens['org_b']}"}
    client = app.test_client()
    resp = client.patch(f"/api/v1/sessions/{o['session_b'].id}", headers=admin, json={
        "people": [{"person_id": o["person_b"].id}, {"person_id": o["person"].id}]})
    assert resp.status_code == 200, resp.get_json()
    # Usable: org_b may still save the session with the shared person on it.
    resp = client.patch(f"/api/v1/sessions/{o['session_b'].id}", headers=bearer, json={
        "people": [{"person_id": o["person"].id}, {"person_id": o["person_b"].id}]})
    assert resp.status_code == 200, resp.get_json()
    for method, body in (("PATCH", {"account_email": org_b.email}), ("DELETE", None)):
        resp = client.open(f"/api/v1/people/{o['person'].id}", method=method, headers=bearer,
                           json=body)
        assert resp.status_code == 403, (method, resp.status_code)
    login(client, org_b)
    resp = client.post(f"/events/{t.b.slug}/people/{o['person'].id}/edit",
                       data={"name": "Ada Public", "account_email": org_b.email})
    assert resp.status_code == 403
    _db.session.expire_all()
    assert _db.session.get(Person, o["person"].id).user_id is None
    # org_a cannot either (B is not theirs); the administrator can.
    resp = client.patch(f"/api/v1/people/{o['person'].id}",
                        headers={"Authorization": f"Bearer {t.tokens['org_a']}"},
                        json={"name": "Renamed by A"})
    assert resp.status_code == 403
    resp = client.patch(f"/api/v1/people/{o['person'].id}", headers=admin,
                        json={"account_email": t.users["speaker"].email})
    assert resp.status_code == 200


def test_organizer_of_every_event_of_a_profile_edits_and_links_it(app, t, make_user):
    o = t.o
    both_org = make_user(name="Org of A and B", organizer_of=[t.a, t.b])
    _db.session.add(SessionRole(session_id=o["session_b"].id, person_id=o["person"].id,
                                role="speaker", position=5))
    _db.session.commit()
    client = app.test_client()
    login(client, both_org)
    resp = client.post(f"/events/{t.b.slug}/people/{o['person'].id}/edit",
                       data={"name": "Ada Public", "account_email": t.users["speaker"].email})
    assert resp.status_code == 302, resp.text
    _db.session.expire_all()
    assert _db.session.get(Person, o["person"].id).user_id == t.users["speaker"].id


def test_add_existing_person_lists_only_usable_people(app, t):
    o = t.o
    client = app.test_client()
    login(client, t.users["org_b"])
    for q in ("", "a", "Org A", "Ada", "Orla"):
        page = client.get(f"/events/{t.b.slug}/sessions/{o['session_b'].id}/edit",
                          query_string={"q": q} if q else None).text
        for name in ("Ada Public", "Una Unpublished", "Dora Draft", "Orla Orphan"):
            assert name not in page, (q, name)
    page = client.get(f"/events/{t.b.slug}/sessions/{o['session_b'].id}/edit").text
    assert "Obi Orphan" in page  # org_b's own profile, no role yet
    # org_a sees their own people, not org_b's orphan.
    login(client, t.users["org_a"])
    page = client.get(f"/events/{t.a.slug}/sessions/{o['session'].id}/edit").text
    assert "Una Unpublished" in page and "Orla Orphan" in page and "Obi Orphan" not in page


def test_duplicate_check_does_not_reveal_other_events_people(app, t):
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {t.tokens['org_b']}"}
    resp = client.post("/api/v1/people", headers=bearer,
                       json={"name": "Dora Draft", "organization": "Org A"})
    assert resp.status_code == 201, resp.get_json()  # not a 409 naming A's draft speaker
    assert resp.get_json()["id"] != t.o["person_draft"].id


def test_import_into_b_does_not_reuse_a_speaker_of_a(app, t):
    client = app.test_client()
    login(client, t.users["org_b"])
    day = t.b.local(t.b.starts_at).date().isoformat()
    csv = ("date,start,end,type,title,people\n"
           f"{day},10:00,11:00,keynote,Imported,Ada Public (Org A) [speaker]\n")
    resp = client.post(f"/events/{t.b.slug}/programme/import",
                       data={"content": csv, "kind": "csv", "action": "import"})
    assert resp.status_code == 302, resp.text
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        Person.name == "Ada Public")) == 2  # a profile of B's own
    roles = _db.session.scalars(sa.select(SessionRole).where(
        SessionRole.person_id == t.o["person"].id)).all()
    assert {r.session.event_id for r in roles} == {t.a.id}


# ------------------------------------------------------------------ drafts keep their speakers

@pytest.mark.parametrize("who,public_ok,private_ok", [
    ("anon", True, False), ("org_b", True, False), ("org_a", True, True),
    ("admin", True, True), ("staff_a", True, False)])
def test_people_of_drafts_are_not_public(app, t, who, public_ok, private_ok):
    o = t.o
    client = app.test_client()
    headers = {}
    if who != "anon":
        login(client, t.users[who])
        headers = {"Authorization": f"Bearer {t.tokens[who]}"}
    for key, ok in (("person", public_ok), ("person_unpub", private_ok),
                    ("person_draft", private_ok)):
        pid = o[key].id
        api = client.get(f"/api/v1/people/{pid}", headers=headers)
        photo = client.get(f"/people/{pid}/photo")
        assert api.status_code == (200 if ok else 404), (key, api.status_code)
        assert photo.status_code == (200 if ok else 404), (key, photo.status_code)
        if ok and key != "person":
            assert "private" in photo.headers["Cache-Control"]
