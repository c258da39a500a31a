"""Online participation through HTTP: personal join links, watch page, calendar feed,
"mail me my links", and the event/session/manage page slots."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user
from icalendar import Calendar

from eventsapp.extensions import db
from eventsapp.models import (
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SessionJoin,
)
from tests.permissions.rules_online import make_registration

STREAM = "https://zoom.example.org/j/555?pwd=PrivateStreamPwd"
PASSCODE = "PASS-4242"


def _now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def live(make_event, make_session):
    """An event with a session open for joining now, one later today, one ended."""
    now = _now()
    event = make_event(starts_at=now - timedelta(hours=3), timezone="Africa/Kigali")
    open_s = make_session(event, title="Open now", starts_at=now - timedelta(minutes=5),
                          ends_at=now + timedelta(minutes=40), stream_url=STREAM,
                          stream_passcode=PASSCODE)
    later = make_session(event, title="Later", starts_at=now + timedelta(hours=2),
                         ends_at=now + timedelta(hours=3), stream_url=STREAM,
                         stream_passcode=PASSCODE)
    ended = make_session(event, title="Ended", starts_at=now - timedelta(hours=2),
                         ends_at=now - timedelta(hours=1), stream_url=STREAM,
                         recording_url="https://video.example.org/rec/ended")
    return event, open_s, later, ended


def _body(resp) -> str:
    return resp.get_data(as_text=True)


def _assert_no_stream(resp):
    text = _body(resp) + " ".join(f"{k}: {v}" for k, v in resp.headers.items())
    assert "PrivateStreamPwd" not in text and PASSCODE not in text and STREAM not in text


# ---------------------------------------------------------------- /join/<secret>/<id>


def test_join_inside_the_window_redirects_and_records(client, live):
    event, open_s, *_ = live
    reg, _ = make_registration(event)
    resp = client.get(f"/join/{reg.join_token}/{open_s.id}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == STREAM
    assert "no-store" in resp.headers["Cache-Control"]
    joins = db.session.scalars(sa.select(SessionJoin)).all()
    assert [(j.session_id, j.registration_id) for j in joins] == [(open_s.id, reg.id)]
    client.get(f"/join/{reg.join_token}/{open_s.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionJoin)) == 2


def test_join_before_the_window_shows_start_in_viewer_zone_and_a_countdown(client, live):
    event, _, later, _ = live
    reg, _ = make_registration(event)
    resp = client.get(f"/join/{reg.join_token}/{later.id}?tz=America/New_York")
    assert resp.status_code == 200
    body = _body(resp)
    ny = later.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert ny.strftime("%H:%M") in body and "America/New_York" in body
    assert "data-countdown" in body and 'data-seconds="' in body
    # The join button waits hidden for the countdown; the stream URL is not in the page.
    assert "data-join-when-open" in body and STREAM not in body
    assert PASSCODE in body  # the registrant is entitled to the passcode
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionJoin)) == 0


def test_join_after_the_end_offers_the_recording(client, live):
    event, *_, ended = live
    reg, _ = make_registration(event)
    resp = client.get(f"/join/{reg.join_token}/{ended.id}")
    assert resp.status_code == 200
    assert "https://video.example.org/rec/ended" in _body(resp)
    assert STREAM not in _body(resp)


def test_join_link_of_a_session_without_any_link(client, make_event, make_session):
    now = _now()
    event = make_event(starts_at=now - timedelta(hours=1))
    s = make_session(event, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1))
    reg, _ = make_registration(event)
    resp = client.get(f"/join/{reg.join_token}/{s.id}")
    assert resp.status_code == 200 and "no online link yet" in _body(resp)


@pytest.mark.parametrize("secret", [
    "A" * 32, "nope", "x" * 300, "%00%00", "abc.def.ghi.jkl.mno.pqr", "a b c d e f g h i j k l",
])
def test_forged_secrets_get_a_clear_404(client, live, secret):
    event, open_s, *_ = live
    make_registration(event)
    for path in (f"/join/{secret}/{open_s.id}", f"/join/{secret}/watch",
                 f"/join/{secret}/calendar.ics"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert "not valid" in _body(resp)
        _assert_no_stream(resp)


def test_cancelled_waitlisted_and_foreign_sessions(client, live, make_event, make_session):
    event, open_s, *_ = live
    # Cancelled by the registration feature: the secret is gone.
    reg, _ = make_registration(event)
    secret = reg.join_token
    reg.status, reg.join_token, reg.badge_code = RegistrationStatus.CANCELLED, None, None
    db.session.commit()
    resp = client.get(f"/join/{secret}/{open_s.id}")
    assert resp.status_code == 404
    _assert_no_stream(resp)
    # Cancelled but the secret left behind: 410, never the stream.
    left, _ = make_registration(event)
    left.status = RegistrationStatus.CANCELLED
    db.session.commit()
    resp = client.get(f"/join/{left.join_token}/{open_s.id}")
    assert resp.status_code == 410 and "cancelled" in _body(resp)
    _assert_no_stream(resp)
    # Waiting list: not yet.
    waiting, _ = make_registration(event, status=RegistrationStatus.WAITLISTED)
    resp = client.get(f"/join/{waiting.join_token}/{open_s.id}")
    assert resp.status_code == 403 and "not confirmed" in _body(resp)
    _assert_no_stream(resp)
    assert client.get(f"/join/{waiting.join_token}/watch").status_code == 403
    # Another event's session, an unknown session, a huge id.
    good, _ = make_registration(event)
    foreign = make_session(make_event(), starts_at=_now(), stream_url=STREAM)
    for sid in (foreign.id, 987654, 2**63):
        resp = client.get(f"/join/{good.join_token}/{sid}")
        assert resp.status_code == 404, sid
        _assert_no_stream(resp)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionJoin)) == 0


def test_json_clients_get_the_json_error(client, live):
    _, open_s, *_ = live
    resp = client.get(f"/join/{'B' * 32}/{open_s.id}", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- watch page


def test_watch_page_live_next_and_join_buttons(client, live):
    event, open_s, *_ = live
    reg, _ = make_registration(event, name="Wanda Watcher")
    resp = client.get(f"/join/{reg.join_token}/watch")
    assert resp.status_code == 200
    body = _body(resp)
    assert "Wanda Watcher" in body and "Live now" in body
    assert f'href="/join/{reg.join_token}/{open_s.id}"' in body  # the join button
    assert "data-countdown" in body  # the later session counts down
    assert "https://video.example.org/rec/ended" in body
    assert STREAM not in body
    assert "no-store" in resp.headers["Cache-Control"]


def test_watch_page_uses_the_viewers_zone_from_query_or_cookie(client, live):
    event, open_s, *_ = live
    reg, _ = make_registration(event)
    from zoneinfo import ZoneInfo
    tokyo = open_s.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    body = _body(client.get(f"/join/{reg.join_token}/watch?tz=Asia/Tokyo"))
    assert tokyo in body and "in Asia/Tokyo" in body
    client.set_cookie("tz", "Asia/Tokyo")
    body = _body(client.get(f"/join/{reg.join_token}/watch"))
    assert "in Asia/Tokyo" in body


def test_watch_page_query_count_does_not_grow_with_sessions(client, make_event, make_session,
                                                            count_queries):
    now = _now()
    event = make_event(starts_at=now)
    reg, _ = make_registration(event)
    make_session(event, starts_at=now + timedelta(hours=1))
    with count_queries() as small:
        assert client.get(f"/join/{reg.join_token}/watch").status_code == 200
    for i in range(15):
        make_session(event, starts_at=now + timedelta(hours=2 + i))
    with count_queries() as big:
        assert client.get(f"/join/{reg.join_token}/watch").status_code == 200
    assert big.count == small.count


# ---------------------------------------------------------------- calendar feed


def test_personal_calendar_has_join_links_never_the_stream(client, app, live):
    event, open_s, later, ended = live
    reg, _ = make_registration(event)
    resp = client.get(f"/join/{reg.join_token}/calendar.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    _assert_no_stream(resp)
    cal = Calendar.from_ical(resp.data)
    events = {str(c["summary"]): c for c in cal.walk("VEVENT")}
    assert len(events) == 3
    base = app.config["BASE_URL"]
    for s in (open_s, later, ended):
        ev = next(c for c in events.values() if str(c["uid"]).endswith(f"session-{s.id}@localhost"))
        assert str(ev["url"]) == f"{base}/join/{reg.join_token}/{s.id}"
        assert f"{base}/join/{reg.join_token}/{s.id}" in str(ev["description"])
        assert ev.decoded("dtstart") == s.starts_at
    # A dead registration's feed stops working.
    reg.status, reg.join_token = RegistrationStatus.CANCELLED, None
    secret = resp.request.path.split("/")[2]
    db.session.commit()
    assert client.get(f"/join/{secret}/calendar.ics").status_code == 404


def test_manage_link_routes_redirect_to_the_join_secret_addresses(client, live):
    event, *_ = live
    reg, manage = make_registration(event)
    resp = client.get(f"/r/{manage}/watch")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/join/{reg.join_token}/watch")
    resp = client.get(f"/r/{manage}/calendar.ics")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/join/{reg.join_token}/calendar.ics")
    assert client.get(f"/r/{'C' * 32}/watch").status_code == 404
    assert client.get(f"/r/{'C' * 32}/calendar.ics").status_code == 404


# ---------------------------------------------------------------- mail me my links


def test_mail_me_my_links(client, app, live):
    event, open_s, later, ended = live
    reg, manage = make_registration(event, email="ada@example.org")
    resp = client.post(f"/r/{manage}/join-links", data={})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/r/{manage}")
    msgs = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(msgs) == 1
    msg = msgs[0]
    assert msg.to_address == "ada@example.org" and msg.kind == "online_links"
    base = app.config["BASE_URL"]
    for s in (open_s, later, ended):
        assert f"{base}/join/{reg.join_token}/{s.id}" in msg.body_text
    assert f"{base}/join/{reg.join_token}/calendar.ics" in msg.body_text
    assert STREAM not in msg.body_text and PASSCODE not in msg.body_text


def test_mail_links_refused_for_dead_or_unknown_registrations(client, live):
    event, *_ = live
    _, manage = make_registration(event, status=RegistrationStatus.CANCELLED)
    assert client.post(f"/r/{manage}/join-links", data={}).status_code in (404, 410)
    assert client.post(f"/r/{'D' * 32}/join-links", data={}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_mail_links_needs_the_csrf_token(self, client, live):
        event, *_ = live
        _, manage = make_registration(event)
        resp = client.post(f"/r/{manage}/join-links", data={})
        assert resp.status_code == 400
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# ---------------------------------------------------------------- page slots


def _render_slot(app, template, user=None, **ctx):
    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        return render_template_string('{% include "' + template + '" %}', **ctx)


def test_session_slot_for_each_kind_of_viewer(app, live, make_user, make_person):
    event, open_s, later, ended = live
    registrant = make_user()
    reg, _ = make_registration(event, user=registrant)
    organizer = make_user(organizer_of=event)
    speaker = make_user()
    make_person("Spoke", "Org", user_id=speaker.id).roles  # noqa: B018
    from eventsapp.models import Person, SessionRole
    person = db.session.scalar(sa.select(Person).where(Person.user_id == speaker.id))
    db.session.add(SessionRole(session_id=later.id, person_id=person.id, role="speaker"))
    stranger = make_user()
    db.session.commit()

    def slot(user, s):
        return _render_slot(app, "online/_session_stream.html", user, event=event, session=s)

    for user in (None, stranger):
        html = slot(user, open_s)
        assert "streamed online for registered participants" in html
        assert "Register" in html and STREAM not in html and PASSCODE not in html
        assert f'href="/events/{event.slug}/register"' in html or \
            "registration.register" not in app.view_functions
    html = slot(registrant, open_s)
    assert f"/join/{reg.join_token}/{open_s.id}" in html and PASSCODE in html
    assert STREAM not in html  # registrants go through their personal link
    html = slot(organizer, open_s)
    assert STREAM in html and PASSCODE in html
    assert STREAM in slot(speaker, later)
    assert STREAM not in slot(speaker, open_s)  # not their session
    # Recording of the ended session: registrants only unless public.
    assert "video.example.org/rec/ended" not in slot(None, ended)
    assert "available to registered participants" in slot(None, ended)
    assert "video.example.org/rec/ended" in slot(registrant, ended)
    event.recordings_public = True
    db.session.commit()
    assert "video.example.org/rec/ended" in slot(None, ended)
    assert STREAM not in slot(None, ended)


def test_session_slot_is_empty_without_stream_or_recording(app, make_event, make_session):
    event = make_event()
    s = make_session(event)
    assert _render_slot(app, "online/_session_stream.html", event=event, session=s).strip() == ""


def test_event_slot_offers_watch_to_registrants_and_settings_to_organizers(app, live, make_user):
    event, *_ = live
    registrant = make_user()
    reg, _ = make_registration(event, user=registrant)
    organizer = make_user(organizer_of=event)
    html = _render_slot(app, "online/_event_actions.html", registrant, event=event)
    assert f"/join/{reg.join_token}/watch" in html and "Watch online" in html
    html = _render_slot(app, "online/_event_actions.html", organizer, event=event)
    assert f"/events/{event.slug}/online/" in html and "/join/" not in html
    assert "/join/" not in _render_slot(app, "online/_event_actions.html", None, event=event)


def test_manage_slot_lists_personal_links_and_dies_with_the_registration(app, live):
    event, open_s, later, ended = live
    reg, manage = make_registration(event, modality=Modality.IN_PERSON)
    html = _render_slot(app, "online/_manage_online.html", registration=reg, event=event,
                        manage_token=manage)
    for s in (open_s, later, ended):
        assert f"/join/{reg.join_token}/{s.id}" in html
    assert f"/join/{reg.join_token}/calendar.ics" in html
    assert f'action="/r/{manage}/join-links"' in html and "csrf_token" in html
    assert STREAM not in html
    reg.status, reg.join_token = RegistrationStatus.CANCELLED, None
    db.session.commit()
    reg = db.session.get(Registration, reg.id)
    html = _render_slot(app, "online/_manage_online.html", registration=reg, event=event,
                        manage_token=manage)
    assert html.strip() == ""


class TestMailRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "ONLINE_LINKS_MAIL_RATE_LIMIT": "2 per hour"}

    def test_mail_me_my_links_is_rate_limited_per_registration(self, client, live):
        event, *_ = live
        _, manage = make_registration(event)
        _, other = make_registration(event)
        codes = [client.post(f"/r/{manage}/join-links", data={}).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
        assert client.post(f"/r/{other}/join-links", data={}).status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3
