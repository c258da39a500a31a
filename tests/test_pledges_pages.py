"""HTML pages: submission, desk, moderation, progress reports, update links, the event,
session and console slots, and the demo data."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    OutboxMessage,
    Pledge,
    PledgeReport,
    PledgeState,
    PledgingEntity,
)
from eventsapp.pledges import queries
from tests.support.pledges_support import make_pledge, valid_raw


def _count(db, model=Pledge) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_submission_form_guides_and_validates(login_as, db, make_user, panel):
    client = login_as(make_user())
    page = client.get("/pledges/new")
    html = page.data.decode()
    assert page.status_code == 200 and "measurable" in html and "time-bound" in html
    for name in ("title", "indicator", "target_year", "entity_name", "amount_usd", "sdgs-0"):
        assert re.search(rf'<label for="{name}"', html), name
    bad = client.post("/pledges/new", data=valid_raw(amount_usd="-10", focus_area="moon", sdgs=["19"],
                                                     indicator=""))
    assert bad.status_code == 422
    text = bad.data.decode()
    assert "cannot be negative" in text and "Unknown focus area" in text
    assert "A whole number from 1 to 17" in text
    assert "how progress will be measured" in text
    assert _count(db) == 0
    good = client.post("/pledges/new", data=valid_raw(event=panel["event"].slug))
    assert good.status_code == 302
    pledge = db.session.scalars(sa.select(Pledge)).one()
    assert pledge.state == PledgeState.SUBMITTED and pledge.event_id == panel["event"].id
    # Submitted pledges are shown to their submitter only, and do not count.
    assert client.get(f"/pledges/{pledge.id}").status_code == 200
    assert "Connect 500 schools" in client.get("/pledges/mine").data.decode()
    assert login_as(make_user()).get(f"/pledges/{pledge.id}").status_code == 404


def test_anonymous_visitors_sign_in_to_submit(client):
    resp = client.get("/pledges/new")
    assert resp.status_code == 302 and "/login" in resp.location


def test_desk_enter_and_announce_updates_counters(login_as, db, make_user, panel):
    event, session = panel["event"], panel["session"]
    client = login_as(make_user(organizer_of=event))
    desk = f"/events/{event.slug}/pledges/desk/{session.id}"
    page = client.get(desk)
    assert page.status_code == 200 and "Mia Moderator" in page.data.decode()
    resp = client.post(desk + "/enter", data={
        "announced_by_id": str(panel["panellist"].id), "entity_name": "Desk Telecom",
        "entity_sector": "private_sector", "title": "Towers for 50 villages", "type": "financial",
        "focus_area": "access", "amount_usd": "3000000"})
    assert resp.status_code == 302
    assert queries.event_counter(event).pledges == 1
    pledge = db.session.scalars(sa.select(Pledge)).one()
    assert (pledge.session_id, pledge.announced_by_id, pledge.state) == (
        session.id, panel["panellist"].id, PledgeState.PUBLISHED)

    # A submitted pledge is picked and announced.
    waiting = make_pledge(event, state=PledgeState.SUBMITTED, title="Waiting pledge", amount="7")
    page = client.get(desk).data.decode()
    assert "Waiting pledge" in page
    resp = client.post(desk + "/announce", data={"pledge_id": str(waiting.id),
                                                 "announced_by_id": str(panel["moderator"].id)})
    assert resp.status_code == 302
    c = queries.event_counter(event)
    assert (c.pledges, c.amount_usd) == (2, 3000007)
    wall = client.get(f"/events/{event.slug}/pledges/wall.json").get_json()
    assert wall["pledges"] == 2 and wall["latest"][0]["title"] == "Waiting pledge"


def test_desk_refuses_bad_announcers_and_sessions(login_as, db, make_user, panel):
    event, session = panel["event"], panel["session"]
    client = login_as(make_user(organizer_of=event))
    desk = f"/events/{event.slug}/pledges/desk/{session.id}"
    resp = client.post(desk + "/enter", data={
        "announced_by_id": str(panel["outsider"].id), "entity_name": "Ghost Org",
        "entity_sector": "other", "title": "Ghost", "type": "policy", "focus_area": "access",
        "amount_usd": "-4"})
    assert resp.status_code == 422
    assert "cannot be negative" in resp.data.decode()
    resp = client.post(desk + "/enter", data={
        "announced_by_id": str(panel["outsider"].id), "entity_name": "Ghost Org",
        "entity_sector": "other", "title": "Ghost", "type": "policy", "focus_area": "access"})
    assert resp.status_code == 422 and "one of this session" in resp.data.decode()
    assert _count(db) == 0 and _count(db, PledgingEntity) == 0
    # Another event's session has no desk here.
    assert client.get(f"/events/{event.slug}/pledges/desk/{panel['other_session'].id}").status_code == 404


def test_moderation_page_and_decline_with_reason(login_as, db, make_user, panel):
    submitter = make_user(email="sub@example.org")
    pledge = make_pledge(panel["event"], state=PledgeState.SUBMITTED, submitted_by=submitter,
                         title="Needs review")
    client = login_as(make_user(organizer_of=panel["event"]))
    page = client.get(f"/events/{panel['event'].slug}/pledges/manage")
    assert page.status_code == 200 and "Needs review" in page.data.decode()
    resp = client.post(f"/pledges/{pledge.id}/moderate", data={"action": "decline", "reason": ""},
                       follow_redirects=True)
    assert "Say why" in resp.data.decode()
    assert db.session.get(Pledge, pledge.id).state == PledgeState.SUBMITTED
    client.post(f"/pledges/{pledge.id}/moderate", data={"action": "decline", "reason": "Too vague",
                                                       "confirm": "1"})
    assert db.session.get(Pledge, pledge.id).state == PledgeState.DECLINED
    assert db.session.scalars(sa.select(OutboxMessage.to_address)).all() == ["sub@example.org"]


def test_pledge_page_links_back_to_its_session(client, panel):
    p = make_pledge(panel["event"], session=panel["session"], announced_by=panel["moderator"],
                    title="Linked pledge")
    html = client.get(f"/pledges/{p.id}").data.decode()
    assert f'href="/events/{panel["event"].slug}/sessions/{panel["session"].id}"' in html
    assert "Mia Moderator" in html


def test_event_and_session_slots(client, count_queries, panel):
    event, session = panel["event"], panel["session"]
    make_pledge(event, session=session, amount="1500", title="Slot pledge A", announced_by=panel["moderator"])
    make_pledge(event, session=session, amount="500", title="Slot pledge B", announced_by=panel["moderator"])
    make_pledge(event, state=PledgeState.SUBMITTED, session=session, title="Not yet")
    html = client.get(f"/events/{event.slug}").data.decode()
    assert 'data-pledge-stat="pledges">2<' in html and f"/events/{event.slug}/pledges/wall" in html
    from flask import render_template

    with client.application.test_request_context():
        out = render_template("pledges/_session_pledges.html", event=event, session=session)
    assert "Slot pledge A" in out and "Slot pledge B" in out and "Not yet" not in out
    assert "USD 2,000" in out
    url = f"/events/{event.slug}/sessions/{session.id}"
    page = client.get(url).data.decode()
    assert "Slot pledge A" in page and "Not yet" not in page
    with count_queries() as q:
        client.get(url)
    make_pledge(event, session=session, title="Slot pledge C", announced_by=panel["moderator"])
    with count_queries() as q2:
        assert "Slot pledge C" in client.get(url).data.decode()
    assert q.count == q2.count


def test_console_panel(login_as, make_user, panel):
    make_pledge(panel["event"], state=PledgeState.SUBMITTED)
    client = login_as(make_user(organizer_of=panel["event"]))
    html = client.get(f"/events/{panel['event'].slug}/console/").data.decode()
    assert 'id="panel-pledges"' in html
    assert f"/events/{panel['event'].slug}/pledges/desk/{panel['session'].id}" in html


def test_reporting_by_account_and_by_private_link(login_as, client, db, make_user, panel):
    pledger = make_user()
    pledge = make_pledge(panel["event"], submitted_by=pledger)
    c = login_as(pledger)
    assert c.get(f"/pledges/{pledge.id}/report").status_code == 200
    bad = c.post(f"/pledges/{pledge.id}/report", data={"status": "in_progress", "percent_complete": "250"})
    assert bad.status_code == 422 and "0 to 100" in bad.data.decode()
    ok = c.post(f"/pledges/{pledge.id}/report", data={"status": "in_progress", "percent_complete": "25",
                                                      "reported_on": "2024-02-01"})
    assert ok.status_code == 302
    assert db.session.get(Pledge, pledge.id).progress_status.value == "in_progress"

    organizer = login_as(make_user(organizer_of=panel["event"]))
    organizer.post(f"/pledges/{pledge.id}/update-link", data={"email": "field@example.org"})
    mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "pledge_update_link")).one()
    path = re.search(r"https?://[^/\s]+(/pledges/update/\S+)", mail.body_text).group(1)
    anon = client.application.test_client()
    page = anon.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert anon.post(path, data={"status": "completed"}).status_code == 200
    assert db.session.get(Pledge, pledge.id).progress_status.value == "completed"
    forged = anon.get("/pledges/update/" + "A" * 32)
    assert forged.status_code == 404 and "not valid" in forged.data.decode()
    organizer.post(f"/pledges/{pledge.id}/update-link/revoke", data={"confirm": "1"})
    assert anon.get(path).status_code == 404
    assert anon.post(path, data={"status": "stalled"}).status_code == 404
    assert _count(db, PledgeReport) == 2


@pytest.fixture
def csrf_client(app_config, make_user, panel):
    from eventsapp import create_app
    from tests.conftest import FreshContextClient, login

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    client = app.test_client()
    login(client, make_user(organizer_of=panel["event"]))
    return client


def test_every_post_form_carries_a_csrf_token(csrf_client, panel):
    pledge = make_pledge(panel["event"])
    waiting = make_pledge(panel["event"], state=PledgeState.SUBMITTED)
    old = make_pledge(panel["event"], published_at=datetime.now(UTC) - timedelta(days=900))
    assert waiting.id and old.id
    for url in ("/pledges/new", f"/events/{panel['event'].slug}/pledges/desk/{panel['session'].id}",
                f"/pledges/{pledge.id}", f"/events/{panel['event'].slug}/pledges/import",
                f"/events/{panel['event'].slug}/pledges/manage", f"/pledges/{pledge.id}/edit",
                f"/pledges/{pledge.id}/report"):
        resp = csrf_client.get(url)
        assert resp.status_code == 200, url
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", resp.data.decode(), flags=re.DOTALL)
        assert forms, url
        for form in forms:
            assert 'name="csrf_token"' in form, (url, form[:200])


def test_post_without_csrf_is_refused(csrf_client, panel, db):
    resp = csrf_client.post(f"/events/{panel['event'].slug}/pledges/desk/{panel['session'].id}/enter",
                            data={"title": "No token", "entity_name": "X", "entity_sector": "other",
                                  "type": "policy", "focus_area": "access",
                                  "announced_by_id": str(panel["moderator"].id)})
    assert resp.status_code == 400
    assert _count(db) == 0


def test_demo_pledges_are_marked_samples_and_idempotent(app, db):
    from eventsapp.demo import load_demo

    load_demo()
    n = _count(db)
    load_demo()
    assert _count(db) == n and n >= 90
    pledges = db.session.scalars(sa.select(Pledge)).all()
    assert all(p.is_sample and p.title.startswith("Sample pledge") for p in pledges)
    assert all(pe.entity.name.startswith("Sample Entity") for p in pledges for pe in p.entities)
    published = [p for p in pledges if p.state == PledgeState.PUBLISHED]
    assert all(p.session_id and p.announced_by_id for p in published)
    # Every announcer is one of the session's people.
    for p in published:
        assert p.announced_by_id in {r.person_id for r in p.session.roles}
    slugs = {p.event.slug for p in published}
    assert slugs == {"p2c-roundtable-kigali-2022", "p2c-annual-meeting-2023"}
    assert _count(db, PledgeReport) > 10
    assert queries.counter().pledges == len(published)
