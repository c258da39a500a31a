"""The stream links and passcodes never reach anyone not entitled to them.

Every GET route of the application (the permission world's URL for it, see
tests/permissions/rules_*.py) is fetched, as an anonymous visitor, as a signed-in user
with no registration, as check-in staff, as a waitlisted and as a cancelled registrant
(pages with a session, API calls with a bearer token), and each answer (body and
headers) is searched for every session's and the event's stream link and passcode,
and for recordings that are for registrants only.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.auth.services import create_api_token
from eventsapp.extensions import db
from eventsapp.models import (
    Event,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionJoin,
)
from tests.conftest import login
from tests.permissions.rules_online import make_registration
from tests.permissions.world import build_world
from tests.test_permissions import _rule_modules, all_rules

TAG = uuid.uuid4().hex[:10]
SESSION_HOST = f"leakcheck-{TAG}.example.org"
EVENT_HOST = f"leakdefault-{TAG}.example.org"
RECORDING_HOST = f"leakrecording-{TAG}.example.org"
SESSION_PASS = f"SessPass{TAG}"
EVENT_PASS = f"EventPass{TAG}"
MARKERS = (SESSION_HOST, EVENT_HOST, RECORDING_HOST, SESSION_PASS, EVENT_PASS)

# Pages addressed by a registration's own join secret: whoever holds a confirmed
# registration's secret is entitled (that is what the secret is for). They are checked
# in the second pass, once every registration is cancelled.
SECRET_PAGES = {"online.join", "online.watch"}


@pytest.fixture
def world(app, make_user, make_event, make_room, make_session, make_person):
    w = build_world(make_user, make_event, make_room, make_session, make_person)
    for module in _rule_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(w)
    db.session.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    # Sessions in every state of the window: live now, ended (with a recording), later.
    w.objects["leak_sessions"] = [
        make_session(w.event, title="Live now", starts_at=now - timedelta(minutes=5),
                     ends_at=now + timedelta(hours=1)),
        make_session(w.event, title="Opening soon", starts_at=now + timedelta(minutes=5),
                     ends_at=now + timedelta(hours=1)),
        make_session(w.event, title="Ended", starts_at=now - timedelta(hours=3),
                     ends_at=now - timedelta(hours=2)),
    ]
    # Every session of every event gets a private link, passcode and recording.
    db.session.execute(sa.update(ProgrammeSession).values(
        stream_url=f"https://{SESSION_HOST}/j/1?pwd={SESSION_PASS}",
        stream_passcode=SESSION_PASS,
        recording_url=f"https://{RECORDING_HOST}/r/1"))
    db.session.execute(sa.update(Event).values(
        stream_url=f"https://{EVENT_HOST}/live", stream_passcode=EVENT_PASS,
        recordings_public=False))
    db.session.commit()
    # A session without its own link falls back on the event's default.
    w.objects["leak_default"] = make_session(w.event, title="Default link",
                                             starts_at=now - timedelta(minutes=1),
                                             ends_at=now + timedelta(hours=1))
    return w


def _actors(world, make_user):
    """The viewers who must see none of it: (name, user or None)."""
    fresh = make_user(name="Not registered")
    staff = make_user(name="Door only", staff_of=world.event)
    waiting = make_user(name="Waitlisted")
    make_registration(world.event, user=waiting, status=RegistrationStatus.WAITLISTED)
    cancelled = make_user(name="Cancelled")
    make_registration(world.event, user=cancelled, status=RegistrationStatus.CANCELLED)
    return [("anon", None), ("not registered", fresh), ("check-in staff", staff),
            ("waitlisted registrant", waiting), ("cancelled registrant", cancelled)]


def _urls(world, rules, skip=()):
    """(endpoint, url, api) for every GET rule, and session pages for each test session."""
    extra_ids = [s.id for s in world.objects["leak_sessions"]] + [world.objects["leak_default"].id]
    base_id = str(world.objects["session"].id)
    out = []
    for (endpoint, method), rule in sorted(rules.items()):
        if method != "GET" or endpoint in skip:
            continue
        url = rule.url(world)
        out.append((endpoint, url, rule.api))
        # The same page for the sessions in every state of the join window.
        if re.search(rf"/{base_id}(?=[/.?]|$)", url):
            for sid in extra_ids:
                out.append((endpoint, re.sub(rf"/{base_id}(?=[/.?]|$)", f"/{sid}", url, count=1),
                            rule.api))
    return out


def _guess(world, name):
    """A value for a URL argument of a route that has no permission rule yet."""
    o = world.objects
    table = {
        "slug": world.event.slug, "session_id": o["session"].id, "person_id": o["person"].id,
        "room_id": o["room"].id, "token": o.get("online_manage_token"),
        "secret": o["online_registration"].join_token if "online_registration" in o else None,
    }
    return table.get(name)


def _unruled_urls(app, world, rules):
    """URLs for GET routes that have no rule yet, with arguments guessed from the world;
    and the endpoints whose arguments cannot be guessed."""
    ruled = {endpoint for (endpoint, method) in rules if method == "GET"}
    adapter = app.url_map.bind("localhost")
    out, unreachable = [], set()
    for r in app.url_map.iter_rules():
        if "GET" not in r.methods or r.endpoint == "static" or r.endpoint in ruled:
            continue
        values = {arg: _guess(world, arg) for arg in r.arguments}
        if any(v is None for v in values.values()):
            unreachable.add(r.endpoint)
            continue
        out.append((r.endpoint, adapter.build(r.endpoint, values), r.rule.startswith("/api/")))
    return out, unreachable


def _leaks(resp) -> list[str]:
    text = resp.get_data().decode("utf-8", errors="replace") + "\n" + "\n".join(
        f"{k}: {v}" for k, v in resp.headers.items())
    return [m for m in MARKERS if m.lower() in text.lower()]


def _walk(app, world, actors, urls) -> tuple[list[str], int]:
    failures, fetched = [], 0
    for name, user in actors:
        token = create_api_token(user, "leak")[1] if user is not None else None
        for endpoint, url, api in urls:
            client = app.test_client()
            headers = {}
            if user is not None:
                if api:
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    login(client, user)
            resp = client.get(url, headers=headers)
            fetched += 1  # (a 500 is tests/test_permissions.py's business; it shows nothing)
            found = _leaks(resp)
            if found:
                failures.append(f"{url} ({endpoint}) as {name}: {resp.status_code} shows {found}")
    return failures, fetched


def test_every_get_route_is_walked(app, world):
    """The walk below covers every GET route the application has."""
    rules = all_rules()
    gets = {r.endpoint for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint != "static"}
    extra, unreachable = _unruled_urls(app, world, rules)
    walked = {endpoint for endpoint, _, _ in _urls(world, rules) + extra}
    # Routes with neither a permission rule nor guessable arguments would go unchecked.
    assert not unreachable, f"GET routes the leak walk cannot reach: {sorted(unreachable)}"
    assert gets <= walked


def test_no_stream_link_or_passcode_for_anyone_not_entitled(app, world, make_user):
    actors = _actors(world, make_user)
    rules = all_rules()
    urls = _urls(world, rules, skip=SECRET_PAGES) + [
        u for u in _unruled_urls(app, world, rules)[0] if u[0] not in SECRET_PAGES]
    failures, fetched = _walk(app, world, actors, urls)
    assert fetched > 5 * 20
    assert not failures, "\n".join(failures)


def test_dead_secrets_show_nothing_private(app, world, make_user):
    """Every registration cancelled: every page addressed by a secret is dead too."""
    # Anonymous and the cancelled registrant: the other viewers change nothing here.
    actors = [a for a in _actors(world, make_user) if a[0] in ("anon", "cancelled registrant")]
    old = [(r.join_token, r.id) for r in db.session.scalars(sa.select(Registration))]
    db.session.execute(sa.update(Registration).values(
        status=RegistrationStatus.CANCELLED, join_token=None, badge_code=None))
    db.session.commit()
    rules = all_rules()
    urls = _urls(world, rules) + _unruled_urls(app, world, rules)[0]
    # The cancelled registrants' old join links, to each session.
    for secret, _ in old:
        if not secret:
            continue
        for s in world.objects["leak_sessions"] + [world.objects["leak_default"]]:
            urls.append(("online.join", f"/join/{secret}/{s.id}", False))
        urls.append(("online.watch", f"/join/{secret}/watch", False))
        urls.append(("online.calendar", f"/join/{secret}/calendar.ics", False))
    failures, _ = _walk(app, world, actors, urls)
    assert not failures, "\n".join(failures)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionJoin)) == 0


def test_the_check_can_see_a_leak(app, world):
    """The walk's detector finds the link where it is shown: to an entitled registrant."""
    reg, _ = make_registration(world.event)
    live = world.objects["leak_sessions"][0]
    resp = app.test_client().get(f"/join/{reg.join_token}/{live.id}")
    assert resp.status_code == 302 and SESSION_HOST in _leaks(resp)
    resp = app.test_client().get(f"/join/{reg.join_token}/watch")
    assert SESSION_PASS in _leaks(resp)
