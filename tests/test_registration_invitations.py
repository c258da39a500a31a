"""Invitations: organizers create codes (shown once, stored hashed) that open a category
or skip approval, for some uses, until a date; registrants bring them on the form or the
API; every refusal is a clear message and writes nothing."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.logmask import mask
from eventsapp.models import (
    Category,
    FocalPoint,
    Invitation,
    InvitationUse,
    Organization,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.registration import invitations, services
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture

from .conftest import login


@pytest.fixture
def app_config(app_config):
    # Many registrations from one test client: the per-address budget is not under test.
    return {**app_config, "REGISTRATION_RATE_LIMIT": "1000 per minute"}


def invite(event, user, **kw) -> tuple[Invitation, str]:
    raw = {"label": "VIP guests", **kw}
    created = invitations.create_invitation(event, raw, user)
    return created.invitation, created.code


def form(email="ada@example.org", **kw) -> dict:
    return {"name": "Ada Lovelace", "email": email, "modality": "in_person",
            "category": "participant", **kw}


def api_body(email="ada@example.org", **kw) -> dict:
    return {"name": "Ada Lovelace", "email": email, "modality": "in_person", **kw}


def regs(db, event) -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.id)))


def uses(db) -> list[InvitationUse]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(InvitationUse).order_by(InvitationUse.id)))


def written(db) -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t))
                 for t in (Registration, OutboxMessage, InvitationUse))


@pytest.fixture
def organizer(make_user):
    return lambda event: make_user(organizer_of=event)


# ------------------------------------------------------------------ codes


def test_codes_are_160_random_bits_grouped_and_typed_loosely():
    code = invitations.new_code()
    assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", code), code
    assert len(code.replace("-", "")) * 5 == 160
    assert invitations.new_code() != code
    typed = " " + code.lower().replace("-", " ") + " "
    assert invitations.normalise(typed) == code.replace("-", "")
    assert invitations.code_hash(typed) == invitations.code_hash(code)
    assert invitations.code_hash(code[:-1]) != invitations.code_hash(code)


def test_the_code_is_stored_hashed_and_shown_once(app, db, make_event, make_user, client):
    event = make_event()
    login(client, make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/registrations/invitations/new", data={
        "label": "Press of the host country", "category": "press", "max_uses": "5",
        "expires_at": "", "skips_approval": "y"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    code = re.search(r"data-invitation-code>([A-Z2-7-]+)<", resp.text).group(1)
    link = re.search(r"data-invitation-link>([^<]+)<", resp.text).group(1)
    assert link == f"http://localhost/events/{event.slug}/register?invitation={code}"
    [inv] = db.session.scalars(sa.select(Invitation)).all()
    assert (inv.label, inv.category, inv.max_uses, inv.skips_approval, inv.expires_at) == (
        "Press of the host country", Category.PRESS, 5, True, None)
    assert inv.code_hash == invitations.code_hash(code) and code not in inv.code_hash
    # No column of any row holds the code; no page or API answer shows it again.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            assert code not in repr(tuple(row)) and code.replace("-", "") not in repr(tuple(row))
    for path in (f"/events/{event.slug}/registrations/invitations/",
                 f"/events/{event.slug}/registrations/invitations/{inv.id}"):
        page = client.get(path)
        assert page.status_code == 200 and "Press of the host country" in page.text
        assert code not in page.text and code.replace("-", "") not in page.text


def test_code_never_reaches_the_logs(app, db, make_event, make_user, client, caplog):
    event = make_event()
    user = make_user(organizer_of=event)
    login(client, user)
    with caplog.at_level(logging.DEBUG):
        resp = client.post(f"/events/{event.slug}/registrations/invitations/new",
                           data={"label": "Speakers", "category": "speaker"})
        code = re.search(r"data-invitation-code>([A-Z2-7-]+)<", resp.text).group(1)
        client.get(f"/events/{event.slug}/register?invitation={code}")
        client.post(f"/events/{event.slug}/register", data=form(invitation=code))
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    # The access log masks the link's code (gunicorn's and the development server's).
    line = f'"GET /events/{event.slug}/register?invitation={code}&x=1 HTTP/1.1" 200'
    assert code not in mask(line) and "invitation=***&x=1" in mask(line)


def test_the_link_prefills_the_field(app, make_event, make_user, client):
    event = make_event()
    _inv, code = invite(event, make_user(organizer_of=event))
    page = client.get(f"/events/{event.slug}/register?invitation={code}")
    assert page.status_code == 200
    field = re.search(r'<input [^>]*id="invitation"[^>]*>', page.text).group(0)
    assert f'value="{code}"' in field
    assert page.headers["Cache-Control"] == "no-store"
    # The page's sign-in link comes back here (with the code): the logs mask it there too.
    login_link = re.search(r'href="(/login\?next=[^"]+)"', page.text).group(1)
    assert code in login_link.replace("%2D", "-") and code not in mask(login_link)
    plain = client.get(f"/events/{event.slug}/register")
    assert 'value=""' in re.search(r'<input [^>]*id="invitation"[^>]*>', plain.text).group(0)


def test_create_refuses_bad_input_and_writes_nothing(app, db, make_event, make_user, client):
    event = make_event()
    login(client, make_user(organizer_of=event))
    url = f"/events/{event.slug}/registrations/invitations/new"
    past = event.local(datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for data, field, message in (
            ({"label": ""}, "label", "Name the invitation (only organizers see it)."),
            ({"label": "X", "category": "emperor"}, "category", "Unknown category."),
            ({"label": "X", "max_uses": "0"}, "max_uses", "A whole number from 1"),
            ({"label": "X", "expires_at": past}, "expires_at", "Choose an expiry in the future."),
            ({"label": "X", "expires_at": "tomorrow"}, "expires_at", "ISO 8601")):
        resp = client.post(url, data=data)
        assert resp.status_code == 422, (data, resp.status_code)
        assert message in resp.text, (data, field)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


# ------------------------------------------------------------------ what a code opens


def test_a_code_opens_a_category_the_public_may_not_choose(app, db, make_event, make_user, client,
                                                          fast_path):  # noqa: F811
    app.config["REGISTRATION_FAST_PATH"] = fast_path
    event = make_event(public_categories=frozenset({Category.PARTICIPANT}))
    inv, code = invite(event, make_user(organizer_of=event), category="vip")
    # Without the code, VIP is refused; with it (typed loosely), the registration is VIP.
    refused = client.post(f"/events/{event.slug}/register", data=form(category="vip"))
    assert refused.status_code == 422 and regs(db, event) == []
    resp = client.post(f"/events/{event.slug}/register",
                       data=form(invitation=code.lower().replace("-", " ")))
    assert resp.status_code == 302, resp.text
    [reg] = regs(db, event)
    assert (reg.category, reg.status) == (Category.VIP, RegistrationStatus.CONFIRMED)
    [use] = uses(db)
    assert (use.invitation_id, use.registration_id) == (inv.id, reg.id)
    # The API too (the code is "invitation"), on the general path.
    api = client.post(f"/api/v1/events/{event.slug}/registrations",
                      json=api_body("grace@example.org", invitation=code))
    assert api.status_code == 201, api.get_json()
    assert [r.category for r in regs(db, event)] == [Category.VIP, Category.VIP]
    assert len(uses(db)) == 2


def test_answers_are_checked_for_the_category_the_invitation_opens(app, db, make_event,
                                                                   make_user, client):
    from tests.support.questions_support import question

    event = make_event(public_categories=frozenset({Category.PARTICIPANT}))
    _inv, code = invite(event, make_user(organizer_of=event), category="vip")
    q = question(event, "short_text", "Protocol officer", required=True, categories=["vip"])
    db.session.commit()
    api = client.post(f"/api/v1/events/{event.slug}/registrations",
                      json=api_body(invitation=code))
    assert api.status_code == 422 and f"answers.{q.id}" in api.get_json()["error"]["fields"]
    assert regs(db, event) == [] and uses(db) == []
    api = client.post(f"/api/v1/events/{event.slug}/registrations",
                      json=api_body(invitation=code, answers={str(q.id): "Jane Roe"}))
    assert api.status_code == 201, api.get_json()
    # Without the code, the question is not asked (participant).
    plain = client.post(f"/api/v1/events/{event.slug}/registrations",
                        json=api_body("b@example.org"))
    assert plain.status_code == 201


def test_without_a_category_the_registrant_chooses_a_public_one(app, db, make_event, make_user,
                                                               client):
    event = make_event(public_categories=frozenset({Category.PARTICIPANT, Category.PRESS}),
                       approval_categories=frozenset({Category.PRESS}))
    _inv, code = invite(event, make_user(organizer_of=event), skips_approval=True)
    resp = client.post(f"/events/{event.slug}/register", data=form(category="press",
                                                                   invitation=code))
    assert resp.status_code == 302
    [reg] = regs(db, event)
    assert (reg.category, reg.status) == (Category.PRESS, RegistrationStatus.CONFIRMED)
    refused = client.post(f"/events/{event.slug}/register",
                          data=form("b@example.org", category="vip", invitation=code))
    assert refused.status_code == 422 and len(regs(db, event)) == 1


def test_approval_is_skipped_only_when_the_invitation_says_so(app, db, make_event, make_user,
                                                              client):
    event = make_event(public_categories=frozenset({Category.PARTICIPANT}),
                       approval_categories=frozenset(Category))
    user = make_user(organizer_of=event)
    _a, skipping = invite(event, user, label="Skips", category="speaker", skips_approval=True)
    _b, plain = invite(event, user, label="Opens only", category="speaker")
    client.post(f"/events/{event.slug}/register", data=form("a@example.org", invitation=skipping))
    client.post(f"/events/{event.slug}/register", data=form("b@example.org", invitation=plain))
    client.post(f"/events/{event.slug}/register", data=form("c@example.org"))
    assert [(r.email, r.category, r.status) for r in regs(db, event)] == [
        ("a@example.org", Category.SPEAKER, RegistrationStatus.CONFIRMED),
        ("b@example.org", Category.SPEAKER, RegistrationStatus.PENDING),
        ("c@example.org", Category.PARTICIPANT, RegistrationStatus.PENDING)]


def test_a_focal_points_approval_is_still_needed(app, db, make_event, make_user, client):
    event = make_event(approval_categories=frozenset(Category))
    _inv, code = invite(event, make_user(organizer_of=event), skips_approval=True)
    org = Organization(event_id=event.id, name="Engines NGO", kind=StakeholderType.CIVIL_SOCIETY)
    db.session.add(org)
    db.session.flush()
    db.session.add(FocalPoint(organization_id=org.id, user_id=make_user(name="Focal").id))
    db.session.commit()
    resp = client.post(f"/events/{event.slug}/register",
                       data=form(invitation=code, organization_id=str(org.id)))
    assert resp.status_code == 302, resp.text
    [reg] = regs(db, event)
    assert (reg.status, reg.organization_id) == (RegistrationStatus.PENDING, org.id)
    assert len(uses(db)) == 1


def test_capacity_and_the_waiting_list_still_apply(app, db, make_event, make_user, client):
    event = make_event(capacity_in_person=1)
    _inv, code = invite(event, make_user(organizer_of=event), category="vip")
    client.post(f"/events/{event.slug}/register", data=form("first@example.org"))
    full = client.post(f"/events/{event.slug}/register", data=form(invitation=code))
    assert full.status_code == 409 and len(regs(db, event)) == 1 and uses(db) == []
    resp = client.post(f"/events/{event.slug}/register",
                       data=form(invitation=code, if_full="waitlist"))
    assert resp.status_code == 302
    assert [(r.category, r.status) for r in regs(db, event)] == [
        (Category.PARTICIPANT, RegistrationStatus.CONFIRMED),
        (Category.VIP, RegistrationStatus.WAITLISTED)]


# ------------------------------------------------------------------ refusals


def _refusals(db, event, user, other_event):
    """(code, expected error) for each way a code is refused."""
    _e, expired = invite(event, user, label="Expired",
                         expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    db.session.execute(sa.update(Invitation).where(Invitation.label == "Expired")
                       .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    used_inv, used = invite(event, user, label="Used", max_uses=1)
    services.register(event.id, {**api_body("first@example.org"), "invitation": used})
    revoked_inv, revoked = invite(event, user, label="Revoked")
    invitations.revoke_invitation(event, revoked_inv.id)
    _o, elsewhere = invite(other_event, user, label="Other event")
    return [("NOT-A-CODE", "invitation_invalid", "This invitation code is not valid"),
            (elsewhere, "invitation_invalid", "This invitation code is not valid"),
            (expired, "invitation_expired", "This invitation has expired."),
            (used, "invitation_used_up", "This invitation has been used as many times"),
            (revoked, "invitation_revoked", "This invitation has been withdrawn")]


def test_each_refusal_is_a_clear_message_and_writes_nothing(app, db, make_event, make_user,
                                                            client):
    event, other = make_event(), make_event()
    user = make_user(organizer_of=[event, other])
    cases = _refusals(db, event, user, other)
    before = written(db)
    for code, error, sentence in cases:
        page = client.post(f"/events/{event.slug}/register", data=form(invitation=code))
        assert page.status_code == 422, (error, page.status_code)
        assert sentence in page.text, error
        # A field error, next to the field.
        assert re.search(r'id="invitation"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                         r'id="invitation"', page.text), error
        api = client.post(f"/api/v1/events/{event.slug}/registrations",
                          json=api_body(invitation=code))
        assert api.status_code == 422, error
        body = api.get_json()["error"]
        assert body["code"] == error and sentence in body["message"]
        assert sentence in body["fields"]["invitation"][0]
        assert written(db) == before, error


def test_refusals_are_translated(app, db, make_event, make_user, client):
    event = make_event()
    resp = client.post(f"/api/v1/events/{event.slug}/registrations",
                       json=api_body(invitation="WRONG"), headers={"Accept-Language": "fr"})
    message = resp.get_json()["error"]["message"]
    assert resp.get_json()["error"]["code"] == "invitation_invalid"
    assert message != invitations.REFUSALS["invitation_invalid"] and "invitation" in message


def test_n_uses_and_cancelled_or_declined_give_their_use_back(app, db, make_event, make_user):
    event = make_event()
    user = make_user(organizer_of=event)
    inv, code = invite(event, user, max_uses=2)
    first = services.register(event.id, {**api_body("a@example.org"), "invitation": code})
    second = services.register(event.id, {**api_body("b@example.org"), "invitation": code})
    with pytest.raises(invitations.InvitationRefused) as refused:
        services.register(event.id, {**api_body("c@example.org"), "invitation": code})
    assert refused.value.code == "invitation_used_up" and len(regs(db, event)) == 2
    assert invitations.row_of(db.session.get(Invitation, inv.id)).state == "used_up"
    # A cancellation gives its use back; so does a decline.
    services.cancel(first.registration.id)
    services.register(event.id, {**api_body("c@example.org"), "invitation": code})
    services.decline(event, second.registration.id, user)
    services.register(event.id, {**api_body("d@example.org"), "invitation": code})
    with pytest.raises(invitations.InvitationRefused):
        services.register(event.id, {**api_body("e@example.org"), "invitation": code})
    assert len(uses(db)) == 4  # every use stays recorded: the organizers see who used it
    assert invitations.row_of(db.session.get(Invitation, inv.id)).used == 2
    # Taking a cancelled registration up again needs a use free again.
    with pytest.raises(invitations.InvitationRefused) as again:
        services.register_again(first.registration.id)
    assert again.value.code == "invitation_used_up"
    assert db.session.get(Registration, first.registration.id).status is RegistrationStatus.CANCELLED


def test_unlimited_invitation_and_a_known_address(app, db, make_event, make_user):
    event = make_event()
    _inv, code = invite(event, make_user(organizer_of=event))
    for i in range(5):
        services.register(event.id, {**api_body(f"p{i}@example.org"), "invitation": code})
    assert len(uses(db)) == 5
    # A known address gets the neutral answer: no second use.
    again = services.register(event.id, {**api_body("p0@example.org"), "invitation": code})
    assert again.outcome is services.Outcome.DUPLICATE and len(uses(db)) == 5


# ------------------------------------------------------------------ organizers


def test_organizer_sees_who_used_it_and_revokes_it_after_confirming(app, db, make_event,
                                                                   make_user, client):
    event = make_event()
    user = make_user(organizer_of=event)
    inv, code = invite(event, user, label="Speakers 2026", category="speaker", max_uses=3)
    services.register(event.id, {**api_body("a@example.org", name="Ada Lovelace"),
                                 "invitation": code})
    services.register(event.id, {**api_body("b@example.org", name="عائشة"), "invitation": code})
    login(client, user)
    listing = client.get(f"/events/{event.slug}/registrations/invitations/")
    assert "Speakers 2026" in listing.text and "2 of 3" in listing.text
    assert 'data-state="active"' in listing.text
    nav = client.get(f"/events/{event.slug}/registrations/")
    assert f"/events/{event.slug}/registrations/invitations/" in nav.text
    detail = client.get(f"/events/{event.slug}/registrations/invitations/{inv.id}")
    assert "Ada Lovelace" in detail.text and "<bdi>عائشة</bdi>" in detail.text
    assert "Confirmed" in detail.text
    # A registration's page names its invitation.
    [a, _b] = regs(db, event)
    reg_page = client.get(f"/events/{event.slug}/registrations/{a.id}")
    assert "Invitation" in reg_page.text and "Speakers 2026" in reg_page.text
    # Revoking asks first (nothing changes), then revokes.
    url = f"/events/{event.slug}/registrations/invitations/{inv.id}/revoke"
    ask = client.post(url, data={})
    assert ask.status_code == 200 and "Revoke the invitation" in ask.text
    assert db.session.get(Invitation, inv.id).revoked_at is None
    done = client.post(url, data={"confirm": "1"})
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(Invitation, inv.id).revoked_at is not None
    assert [r.status for r in regs(db, event)] == [RegistrationStatus.CONFIRMED] * 2
    with pytest.raises(invitations.InvitationRefused) as refused:
        services.register(event.id, {**api_body("c@example.org"), "invitation": code})
    assert refused.value.code == "invitation_revoked"


def test_csv_export_has_an_invitation_column(app, db, make_event, make_user, client):
    event = make_event()
    user = make_user(organizer_of=event)
    _inv, code = invite(event, user, label="Press pool")
    services.register(event.id, {**api_body("a@example.org"), "invitation": code})
    services.register(event.id, api_body("b@example.org"))
    login(client, user)
    text = client.get(f"/events/{event.slug}/registrations/export.csv").get_data(as_text=True)
    header, *rows = text.lstrip("\ufeff").strip().split("\r\n")
    assert header.split(",")[-1] == "invitation"
    assert sorted(r.split(",")[-1] for r in rows) == ["", "Press pool"]


def test_api_create_list_read_revoke(app, db, make_event, make_user, client, api_token):
    event = make_event(public_categories=frozenset({Category.PARTICIPANT}))
    headers = api_token(make_user(organizer_of=event))
    base = f"/api/v1/events/{event.slug}/invitations"
    created = client.post(base, headers=headers, json={
        "label": "VIP", "category": "vip", "max_uses": 2, "skips_approval": True})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    code, inv_id = body["code"], body["id"]
    assert body["link"].endswith(f"/events/{event.slug}/register?invitation={code}")
    assert (body["category"], body["max_uses"], body["uses"], body["state"]) == ("vip", 2, 0,
                                                                                 "active")
    bad = client.post(base, headers=headers, json={"label": "", "max_uses": 0})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) >= {"label",
                                                                                 "max_uses"}
    reg = client.post(f"/api/v1/events/{event.slug}/registrations",
                      json=api_body(invitation=code))
    assert reg.status_code == 201
    listing = client.get(base, headers=headers)
    assert listing.status_code == 200 and code not in listing.get_data(as_text=True)
    assert [(i["id"], i["uses"]) for i in listing.get_json()["invitations"]] == [(inv_id, 1)]
    assert client.get(f"{base}?per_page=501", headers=headers).status_code == 422
    one = client.get(f"{base}/{inv_id}", headers=headers).get_json()
    assert [(u["name"], u["status"]) for u in one["used_by"]] == [("Ada Lovelace", "confirmed")]
    registrants = client.get(f"/api/v1/events/{event.slug}/registrations", headers=headers)
    assert [r["invitation_id"] for r in registrants.get_json()["registrations"]] == [inv_id]
    revoked = client.post(f"{base}/{inv_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    assert client.post(f"{base}/{inv_id}/revoke", headers=headers).status_code == 409
    assert client.get(f"{base}/999999", headers=headers).status_code == 404


# ------------------------------------------------------------------ rate limit


class TestWrongCodeLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "INVITATION_CODE_RATE_LIMIT": "2 per hour"}

    def test_only_wrong_codes_count_then_429(self, app, db, make_event, make_user, client):
        event = make_event()
        _inv, code = invite(event, make_user(organizer_of=event))
        url = f"/events/{event.slug}/register"
        # Valid codes and no code never count.
        for i in range(3):
            assert client.post(url, data=form(f"ok{i}@example.org", invitation=code)).status_code == 302
        assert client.post(url, data=form("wrong0@example.org", invitation="WRONG")).status_code == 422
        api = client.post(f"/api/v1/events/{event.slug}/registrations",
                          json=api_body("wrong1@example.org", invitation="WRONG"))
        assert api.status_code == 422
        # Two wrong codes: the next request with a code is refused, form and API alike.
        assert client.post(url, data=form("x@example.org", invitation=code)).status_code == 429
        api = client.post(f"/api/v1/events/{event.slug}/registrations",
                          json=api_body("y@example.org", invitation=code))
        assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
        # Registering without a code still works; another address is not affected.
        assert client.post(url, data=form("plain@example.org")).status_code == 302
        other = client.post(url, data=form("z@example.org", invitation=code),
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other.status_code == 302
        assert len(regs(db, event)) == 5
