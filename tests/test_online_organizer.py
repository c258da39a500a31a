"""Organizers: online settings, links per session, attendance beside check-ins; and the
join rush (concurrent joins, each recorded once)."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import CheckIn, Event, ProgrammeSession, Registration, SessionJoin
from eventsapp.online import attendance, services
from tests.permissions.rules_online import make_registration

T0 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 10:00 in Kigali


@pytest.fixture
def org(make_event, make_user):
    event = make_event(starts_at=T0, timezone="Africa/Kigali")
    organizer = make_user(organizer_of=event)
    return event, organizer


# ---------------------------------------------------------------- settings


def test_organizer_saves_online_settings(login_as, org):
    event, organizer = org
    client = login_as(organizer)
    resp = client.post(f"/events/{event.slug}/online/settings", data={
        "stream_url": " https://webex.example.org/meet/p2c ", "stream_passcode": "abc123",
        "join_opens_minutes_before": "30", "recordings_public": "y"})
    assert resp.status_code == 302
    event = db.session.get(Event, event.id)
    assert event.stream_url == "https://webex.example.org/meet/p2c"
    assert event.stream_passcode == "abc123"
    assert event.join_opens_minutes_before == 30 and event.recordings_public is True
    # Unticking and clearing.
    client.post(f"/events/{event.slug}/online/settings", data={"join_opens_minutes_before": "0"})
    event = db.session.get(Event, event.id)
    assert event.stream_url is None and event.recordings_public is False
    assert event.join_opens_minutes_before == 0


@pytest.mark.parametrize("data,field", [
    ({"stream_url": "javascript:alert(1)", "join_opens_minutes_before": "15"}, "stream_url"),
    ({"stream_url": "zoom.us/j/1", "join_opens_minutes_before": "15"}, "stream_url"),
    ({"join_opens_minutes_before": "-5"}, "join_opens_minutes_before"),
    ({"join_opens_minutes_before": "lots"}, "join_opens_minutes_before"),
    ({"join_opens_minutes_before": "99999999999999999999"}, "join_opens_minutes_before"),
    ({"stream_passcode": "x" * 101, "join_opens_minutes_before": "15"}, "stream_passcode"),
])
def test_bad_settings_re_render_with_errors_and_change_nothing(login_as, org, data, field):
    event, organizer = org
    resp = login_as(organizer).post(f"/events/{event.slug}/online/settings", data=data)
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    event = db.session.get(Event, event.id)
    assert event.stream_url is None and event.join_opens_minutes_before == 15


def test_service_refuses_non_organizers(org, make_user):
    from eventsapp.errors import Forbidden

    event, _ = org
    with pytest.raises(Forbidden):
        services.update_online_settings(make_user(), event, {"join_opens_minutes_before": 5})


def test_organizer_edits_a_sessions_links(login_as, org, make_session, make_event):
    event, organizer = org
    s = make_session(event, starts_at=T0)
    version = event.programme_version
    client = login_as(organizer)
    page = client.get(f"/events/{event.slug}/online/sessions/{s.id}")
    assert page.status_code == 200 and "Recording link" in page.get_data(as_text=True)
    resp = client.post(f"/events/{event.slug}/online/sessions/{s.id}", data={
        "stream_url": "https://youtube.example.org/live/x", "stream_passcode": "",
        "recording_url": "https://youtube.example.org/watch?v=1"})
    assert resp.status_code == 302
    s = db.session.get(ProgrammeSession, s.id)
    assert s.stream_url == "https://youtube.example.org/live/x" and s.stream_passcode is None
    assert s.recording_url == "https://youtube.example.org/watch?v=1"
    assert db.session.get(Event, event.id).programme_version == version + 1
    bad = client.post(f"/events/{event.slug}/online/sessions/{s.id}",
                      data={"recording_url": "ftp://x.example.org/a"})
    assert bad.status_code == 422
    assert db.session.get(ProgrammeSession, s.id).recording_url.startswith("https://")
    other = make_session(make_event(), starts_at=T0)
    assert client.get(f"/events/{event.slug}/online/sessions/{other.id}").status_code == 404
    assert client.get(f"/events/{event.slug}/online/sessions/{2**40}").status_code == 404


# ---------------------------------------------------------------- attendance


def _attendance_data(event, make_session):
    day1 = [make_session(event, starts_at=T0 + timedelta(hours=h)) for h in (0, 2)]
    day2 = [make_session(event, starts_at=T0 + timedelta(days=1, hours=1))]
    regs = [make_registration(event)[0] for _ in range(4)]
    joins = [  # (session, registration): reg 0 joins twice, reg 1 joins two sessions
        (day1[0], regs[0]), (day1[0], regs[0]), (day1[0], regs[1]), (day1[1], regs[1]),
        (day2[0], regs[2]),
    ]
    for s, r in joins:
        db.session.add(SessionJoin(session_id=s.id, registration_id=r.id, joined_at=T0))
    for r, day in ((regs[3], date(2031, 3, 3)), (regs[2], date(2031, 3, 3)),
                   (regs[3], date(2031, 3, 4))):
        db.session.add(CheckIn(registration_id=r.id, event_id=event.id, day=day,
                               checked_in_at=T0))
    db.session.commit()
    return day1, day2


def test_attendance_counts_distinct_viewers_beside_checkins(org, make_session):
    event, _ = org
    day1, day2 = _attendance_data(event, make_session)
    report = attendance.attendance(event)
    rows = {r.session.id: r for r in report.sessions}
    assert (rows[day1[0].id].joins, rows[day1[0].id].viewers) == (3, 2)
    assert (rows[day1[1].id].joins, rows[day1[1].id].viewers) == (1, 1)
    assert (rows[day2[0].id].joins, rows[day2[0].id].viewers) == (1, 1)
    assert rows[day1[0].id].checked_in_that_day == 2 and rows[day2[0].id].checked_in_that_day == 1
    days = {d.day.isoformat(): (d.viewers, d.checked_in) for d in report.days}
    assert days == {"2031-03-03": (2, 2), "2031-03-04": (1, 1)}
    assert (report.viewers, report.joins) == (3, 5)


def test_attendance_query_count_is_fixed(org, make_session, count_queries):
    event, _ = org
    _attendance_data(event, make_session)
    db.session.refresh(event)
    with count_queries() as small:
        attendance.attendance(event)
    for h in range(10):
        make_session(event, starts_at=T0 + timedelta(days=2, hours=h))
    db.session.refresh(event)
    with count_queries() as big:
        attendance.attendance(event)
    assert big.count == small.count <= 5


def test_console_panel_and_online_page_show_attendance(login_as, org, make_session):
    event, organizer = org
    day1, _ = _attendance_data(event, make_session)
    client = login_as(organizer)
    for path in (f"/events/{event.slug}/console/", f"/events/{event.slug}/online/"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        assert "Online participation" in html
        assert f'<tr data-session-id="{day1[0].id}">' in html
        assert 'data-stat="total-viewers">3<' in html
        assert 'name="join_opens_minutes_before"' in html  # the settings form


def test_online_page_is_for_organizers_only(client, login_as, org, make_user):
    event, _ = org
    assert client.get(f"/events/{event.slug}/online/").status_code == 302  # sign in
    assert login_as(make_user()).get(f"/events/{event.slug}/online/").status_code == 403


# ---------------------------------------------------------------- the join rush


def test_concurrent_joins_are_all_recorded(app, make_event, make_session):
    now = datetime.now(UTC)
    event = make_event(starts_at=now - timedelta(hours=1))
    s = make_session(event, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1),
                     stream_url="https://stream.example.org/rush")
    secrets = [make_registration(event)[0].join_token for _ in range(24)]
    sid = s.id
    db.session.commit()
    errors, results = [], []
    barrier = threading.Barrier(8)

    def worker(chunk):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                for secret in chunk:
                    resp = app.test_client().get(f"/join/{secret}/{sid}")
                    results.append((resp.status_code, resp.headers.get("Location")))
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(secrets[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert results == [(302, "https://stream.example.org/rush")] * 24
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(SessionJoin.registration_id)))
                             .where(SessionJoin.session_id == sid)) == 24
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 24
