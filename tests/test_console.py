"""The organizer's console: key numbers, feature panels, team management."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    CheckIn,
    EventRole,
    EventRoleKind,
    FocusArea,
    Modality,
    Pledge,
    PledgeEntity,
    PledgeState,
    PledgeType,
    PledgingEntity,
    Registration,
    RegistrationStatus,
    Sector,
)
from eventsapp.security import hash_token, new_token


def _registration(db, event, modality, status, **kw):
    r = Registration(event=event, name="Reg", email=f"r-{uuid.uuid4().hex[:8]}@example.org",
                     modality=modality, status=status, manage_token_hash=hash_token(new_token()),
                     badge_code=new_token(), join_token=new_token(), **kw)
    db.session.add(r)
    db.session.flush()
    return r


def _stat(html: str, name: str) -> str:
    import re

    m = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert m, name
    return m.group(1).strip()


def test_console_shows_the_events_key_numbers(login_as, make_user, make_event, make_session,
                                              make_person, db):
    event, other = make_event(capacity_in_person=100, capacity_online=500), make_event()
    p1, p2 = make_person("One"), make_person("Two")
    make_session(event, people=[(p1, "moderator"), (p2, "panellist")])
    make_session(event, people=[(p1, "panellist")])
    make_session(other, people=[(p2, "panellist")])
    regs = [_registration(db, event, Modality.IN_PERSON, RegistrationStatus.CONFIRMED)
            for _ in range(3)]
    _registration(db, event, Modality.IN_PERSON, RegistrationStatus.WAITLISTED)
    _registration(db, event, Modality.ONLINE, RegistrationStatus.CONFIRMED)
    _registration(db, other, Modality.IN_PERSON, RegistrationStatus.CONFIRMED)
    db.session.add(CheckIn(registration=regs[0], event_id=event.id, day=date(2030, 1, 1)))
    db.session.add(CheckIn(registration=regs[0], event_id=event.id, day=date(2030, 1, 2)))
    db.session.add(CheckIn(registration=regs[1], event_id=event.id, day=date(2030, 1, 1)))
    entity = PledgingEntity(name=f"Entity {uuid.uuid4().hex[:6]}", sector=Sector.PRIVATE_SECTOR)
    for amount, state in ((Decimal("1000000.50"), PledgeState.PUBLISHED),
                          (Decimal(2500000), PledgeState.PUBLISHED),
                          (Decimal(999), PledgeState.SUBMITTED)):
        pledge = Pledge(title="P", type=PledgeType.FINANCIAL, amount_usd=amount,
                        focus_area=FocusArea.ACCESS, event_id=event.id, state=state)
        pledge.entities.append(PledgeEntity(entity=entity, is_lead=True))
        db.session.add(pledge)
    db.session.commit()

    client = login_as(make_user(organizer_of=event))
    resp = client.get(f"/events/{event.slug}/console/")
    assert resp.status_code == 200
    html = resp.data.decode()
    assert _stat(html, "sessions") == "2"
    assert _stat(html, "speakers") == "2"
    assert _stat(html, "in-person") == "3 / 100"
    assert _stat(html, "online") == "1 / 500"
    assert _stat(html, "checked-in") == "2"
    assert _stat(html, "pledges") == "2"
    assert "3,500,000" in _stat(html, "pledged")


def test_key_numbers_service_counts_only_this_event(make_event, db):
    from eventsapp.console.services import key_numbers

    event, other = make_event(), make_event()
    _registration(db, other, Modality.ONLINE, RegistrationStatus.CONFIRMED)
    db.session.commit()
    n = key_numbers(event)
    assert (n.sessions, n.speakers, n.checked_in, n.pledges) == (0, 0, 0, 0)
    assert n.count("online", "confirmed") == 0
    assert key_numbers(other).count(Modality.ONLINE, RegistrationStatus.CONFIRMED) == 1


def test_console_query_count_is_fixed(login_as, make_user, make_event, db, count_queries):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    client.get(f"/events/{event.slug}/console/")
    with count_queries() as few:
        client.get(f"/events/{event.slug}/console/")
    for _ in range(20):
        _registration(db, event, Modality.IN_PERSON, RegistrationStatus.CONFIRMED)
    for _ in range(5):
        db.session.add(EventRole(user=make_user(), event=event, role=EventRoleKind.CHECKIN_STAFF))
    db.session.commit()
    with count_queries() as many:
        client.get(f"/events/{event.slug}/console/")
    assert many.count == few.count, many.statements


@pytest.fixture
def test_panel(app):
    """A feature panel registered the way features do it (removed afterwards)."""
    from jinja2 import ChoiceLoader, DictLoader

    from eventsapp.console import panels

    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"_test/panel.html":
                    '<p class="test-panel">{{ event.slug }}: {{ answer }} {{ ctx.answer }}</p>'}),
        app.jinja_env.loader])
    panels.register_panel("zz-test", "Test panel", "_test/panel.html", 5,
                          lambda event: {"answer": 42})
    yield
    panels._PANELS.pop("zz-test", None)


def test_feature_panels_render_in_order_with_their_context(login_as, make_user, make_event,
                                                           test_panel):
    from eventsapp.console.panels import panels

    orders = [p.order for p in panels()]
    assert orders == sorted(orders)
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    html = client.get(f"/events/{event.slug}/console/").data.decode()
    assert f'<p class="test-panel">{event.slug}: 42 42</p>' in html
    assert html.index('id="panel-zz-test"') < html.index('id="team"')


def test_console_is_for_organizers_and_admins_only(app, make_user, make_event, login_as):
    event = make_event()
    assert app.test_client().get(f"/events/{event.slug}/console/").status_code == 302
    for user, status in ((make_user(), 403), (make_user(staff_of=event), 403),
                         (make_user(organizer_of=make_event()), 403),
                         (make_user(organizer_of=event), 200), (make_user(is_admin=True), 200)):
        client = app.test_client()
        from .conftest import login
        login(client, user)
        assert client.get(f"/events/{event.slug}/console/").status_code == status


# ------------------------------------------------------------------ team management

def _roles(db, event):
    db.session.expire_all()
    return {(r.user.email, r.role) for r in db.session.scalars(
        sa.select(EventRole).where(EventRole.event_id == event.id))}


def test_organizer_grants_and_revokes_roles(login_as, make_user, make_event, db):
    event = make_event()
    organizer = make_user("boss@example.org", organizer_of=event)
    make_user("helper@example.org", name="Hana Helper")
    client = login_as(organizer)

    resp = client.post(f"/events/{event.slug}/console/team",
                       data={"email": "HELPER@example.org", "role": "checkin_staff"})
    assert resp.status_code == 302
    assert ("helper@example.org", EventRoleKind.CHECKIN_STAFF) in _roles(db, event)
    # Granting twice does not duplicate.
    client.post(f"/events/{event.slug}/console/team",
                data={"email": "helper@example.org", "role": "checkin_staff"})
    assert len(_roles(db, event)) == 2
    page = client.get(f"/events/{event.slug}/console/").data.decode()
    assert "Hana Helper" in page and "Check-in staff" in page

    # The new staff member can now use the door but not the console.
    helper = db.session.scalar(sa.select(EventRole).join(EventRole.user)
                               .where(EventRole.event_id == event.id,
                                      EventRole.role == EventRoleKind.CHECKIN_STAFF))
    from eventsapp.permissions import Need, can
    assert can(helper.user, Need.CHECKIN, event) and not can(helper.user, Need.MANAGE, event)

    resp = client.post(f"/events/{event.slug}/console/team/{helper.id}/remove", data={"confirm": "1"})
    assert resp.status_code == 302
    assert _roles(db, event) == {("boss@example.org", EventRoleKind.ORGANIZER)}


def test_granting_organizer_role_gives_console_access(app, login_as, make_user, make_event, db):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    newbie = make_user("co-organizer@example.org")
    client.post(f"/events/{event.slug}/console/team",
                data={"email": "co-organizer@example.org", "role": "organizer"})
    other = app.test_client()
    from .conftest import login
    login(other, newbie)
    assert other.get(f"/events/{event.slug}/console/").status_code == 200


def test_unknown_email_gets_a_clear_message(login_as, make_user, make_event, db):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/console/team",
                       data={"email": "nobody@example.org", "role": "checkin_staff"})
    assert resp.status_code == 422
    assert b"No account with that email" in resp.data
    assert len(_roles(db, event)) == 1


@pytest.mark.parametrize("data", [{"email": "not-an-email", "role": "organizer"},
                                  {"email": "a@example.org", "role": "emperor"}, {}])
def test_bad_team_form_is_422_not_500(login_as, make_user, make_event, db, data):
    event = make_event()
    make_user("a@example.org")
    client = login_as(make_user(organizer_of=event))
    assert client.post(f"/events/{event.slug}/console/team", data=data).status_code == 422
    assert len(_roles(db, event)) == 1


def test_cannot_remove_a_role_of_another_event(login_as, make_user, make_event, db):
    event, other = make_event(), make_event()
    victim = make_user(organizer_of=other)
    grant = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == victim.id))
    client = login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/console/team/{grant.id}/remove", data={})
    assert resp.status_code == 404
    assert len(_roles(db, other)) == 1
