"""Inputs that used to give a 500: ids beyond the database's range, lone surrogates,
deep JSON, NUL bytes, absurd years, line breaks in titles (security issue, gap 2 and 7).

Each case answers a clear 4xx and leaves nothing half-written, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
import sqlalchemy as sa

from eventsapp.guards import DB_INT_MAX, json_depth
from eventsapp.instants import YEAR_MAX, YEAR_MIN, InvalidInstant, check_instant, parse_iso
from eventsapp.models import Event, ProgrammeSession

HUGE = [DB_INT_MAX + 1, 2**63, 2**64 + 5, 10**30]


@pytest.fixture
def world(make_event, make_user, make_room, make_session, make_person, api_token):
    event = make_event(title="Guarded event")
    organizer = make_user(name="Guard Organizer", organizer_of=event)
    room = make_room(event)
    session = make_session(event, room=room, people=[(make_person("Guard Speaker"), "speaker")])
    return {"event": event, "organizer": organizer, "room": room, "session": session,
            "headers": api_token(organizer)}


# ---------------------------------------------------------------- ids out of range

@pytest.mark.parametrize("n", HUGE)
def test_huge_ids_in_paths_are_404(client, world, login_as, n):
    slug = world["event"].slug
    login_as(world["organizer"])
    for path in (f"/api/v1/sessions/{n}", f"/api/v1/people/{n}",
                 f"/events/{slug}/sessions/{n}", f"/events/{slug}/speakers/{n}",
                 f"/events/{slug}/sessions/{n}.ics"):
        resp = client.get(path, headers=world["headers"] if path.startswith("/api") else {})
        assert resp.status_code == 404, path


@pytest.mark.parametrize("n", HUGE)
def test_huge_ids_in_bodies_are_refused(client, world, n):
    s = world["session"]
    before = (s.title, s.room_id, [r.person_id for r in s.roles])
    for body in ({"people": [{"person_id": n, "role": "speaker"}]}, {"room_id": n}):
        resp = client.patch(f"/api/v1/sessions/{s.id}", json=body, headers=world["headers"])
        assert resp.status_code == 422, (body, resp.status_code, resp.get_data(True))
        assert resp.get_json()["error"]["code"]
    fresh = _db_session(s.id)
    assert (fresh.title, fresh.room_id, [r.person_id for r in fresh.roles]) == before


@pytest.mark.parametrize("n", HUGE)
def test_huge_numbers_in_query_strings(client, world, login_as, n):
    login_as(world["organizer"])
    slug = world["event"].slug
    for path in (f"/events/{slug}/registrations?page={n}", f"/api/v1/pledges?limit={n}",
                 f"/api/v1/pledges?offset={n}", f"/api/v1/events/{slug}/registrations?page={n}"):
        resp = client.get(path, headers=world["headers"] if path.startswith("/api") else {})
        assert resp.status_code < 500, path


# ---------------------------------------------------------------- JSON bodies

def test_lone_surrogate_in_json_is_refused(client, world):
    s = world["session"]
    raw = '{"title": "Panel \\udc80"}'
    resp = client.patch(f"/api/v1/sessions/{s.id}", data=raw, content_type="application/json",
                        headers=world["headers"])
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert "title" in err["fields"] and "surrogate" in err["fields"]["title"][0]
    assert _db_session(s.id).title == s.title


def test_nul_in_json_text_is_refused(client, world):
    s = world["session"]
    resp = client.patch(f"/api/v1/sessions/{s.id}", json={"description": "a\x00b"},
                        headers=world["headers"])
    assert resp.status_code == 422
    assert "NUL" in resp.get_json()["error"]["fields"]["description"][0]


def test_deep_json_is_refused_before_parsing(client, world):
    deep = "[" * 100_000 + "]" * 100_000
    resp = client.post(f"/api/v1/events/{world['event'].slug}/sessions", data=deep,
                       content_type="application/json", headers=world["headers"])
    assert resp.status_code == 400
    assert "nested too deeply" in resp.get_json()["error"]["message"]


def test_json_depth_counts_outside_strings_only():
    assert json_depth('{"a": [1, {"b": "[[[[[["}]}') == 3
    assert json_depth('"\\"[[["') == 0
    assert json_depth(json.dumps([[[]]])) == 3


def test_malformed_json_is_400(client, world):
    resp = client.patch(f"/api/v1/sessions/{world['session'].id}", data="{nope",
                        content_type="application/json", headers=world["headers"])
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"


# ---------------------------------------------------------------- forms

def test_nul_in_a_form_field_is_a_clear_error(client, world, login_as):
    login_as(world["organizer"])
    slug = world["event"].slug
    resp = client.post(f"/events/{slug}/rooms",
                       data={"name": "Room\x00One", "description": ""})
    assert resp.status_code == 422
    assert "NUL" in resp.get_data(as_text=True)


# ---------------------------------------------------------------- instants

def test_instant_range_is_one_rule():
    check_instant(datetime(YEAR_MIN, 1, 2, tzinfo=UTC))
    for bad in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC),
                datetime(YEAR_MAX, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2)))):
        with pytest.raises(InvalidInstant):
            check_instant(bad)
    with pytest.raises(InvalidInstant):
        parse_iso("0001-01-01T00:30:00+14:00", "UTC")
    with pytest.raises(InvalidInstant):
        check_instant(datetime(2024, 1, 1))  # no zone


@pytest.mark.parametrize("start", ["0001-01-01T10:00:00", "0001-01-01T00:30:00+14:00",
                                   "9999-12-31T23:00:00-12:00", "1899-06-07T10:00:00"])
def test_event_in_an_absurd_year_is_refused_and_home_page_stays_up(client, world, start):
    resp = client.post("/api/v1/events", headers=world["headers"], json={
        "title": "Year one", "timezone": "Pacific/Kiritimati", "starts_at": start,
        "ends_at": "2030-01-01T10:00:00"})
    assert resp.status_code == 422, resp.get_data(True)
    assert "starts_at" in resp.get_json()["error"]["fields"]
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/events").status_code == 200
    from eventsapp.extensions import db
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                             .where(Event.title == "Year one")) == 0


def test_session_in_an_absurd_year_is_refused_by_the_form(client, world, login_as):
    login_as(world["organizer"])
    slug = world["event"].slug
    resp = client.post(f"/events/{slug}/sessions/new", data={
        "type": "keynote", "title": "Far future", "day": "9999-01-01", "start": "10:00",
        "end": "11:00", "room_id": "0"})
    assert resp.status_code == 422
    assert "between" in resp.get_data(as_text=True)


# ---------------------------------------------------------------- line breaks in titles

def test_line_break_in_a_title_keeps_the_session_calendar_valid(client, world):
    s = world["session"]
    from eventsapp.extensions import db
    obj = db.session.get(ProgrammeSession, s.id)
    obj.title = "Line one\r\nLine two"
    event = db.session.get(Event, world["event"].id)
    event.title = "Event\nwith a break"
    db.session.commit()
    for path in (f"/events/{event.slug}/sessions/{s.id}.ics", f"/events/{event.slug}/programme.ics"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        cal = icalendar.Calendar.from_ical(resp.data)
        summaries = [str(c["summary"]) for c in cal.walk("VEVENT")]
        assert any("Line one" in x and "Line two" in x for x in summaries)


def _db_session(session_id):
    from eventsapp.extensions import db

    db.session.expire_all()
    return db.session.get(ProgrammeSession, session_id)


# ---------------------------------------------------------------- CSV exports

def test_programme_csv_export_guards_formulas_and_reimports_them(client, world, login_as):
    from eventsapp.csvout import BOM
    from eventsapp.extensions import db
    from eventsapp.programme import csv_io

    obj = db.session.get(ProgrammeSession, world["session"].id)
    obj.title = '=HYPERLINK("http://evil.example","click")'
    obj.description = "@SUM(A1:A2)"
    db.session.commit()
    login_as(world["organizer"])
    resp = client.get(f"/events/{world['event'].slug}/programme/export.csv")
    assert resp.status_code == 200
    text = resp.data.decode("utf-8")
    assert text.startswith(BOM)
    assert "'=HYPERLINK(" in text and "'@SUM(A1:A2)" in text
    assert ',=HYPERLINK' not in text and ',"=HYPERLINK' not in text
    plan = csv_io.parse_csv(resp.data, world["event"].timezone)
    assert not plan.problems
    assert plan.sessions[0].title == '=HYPERLINK("http://evil.example","click")'
    assert plan.sessions[0].description == "@SUM(A1:A2)"
