"""Calendars: whole event, one session, one speaker, the personal starred feed. The
files parse back with the exact instants (also across a daylight-saving change)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import login

ZRH = ZoneInfo("Europe/Zurich")


def _events(data: bytes) -> dict:
    cal = Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}, cal


def _utc(e, key):
    return e.decoded(key).astimezone(UTC)


@pytest.fixture
def zurich(make_event, make_room, make_person, make_session):
    # Sunday 27 October 2030: clocks go back from 03:00 CEST to 02:00 CET.
    start = datetime(2030, 10, 26, 9, 0, tzinfo=ZRH)
    event = make_event(timezone="Europe/Zurich", title="Night of the clocks",
                       venue_name="ITU HQ", venue_address="Place des Nations, Geneva",
                       starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2)).astimezone(UTC))
    room = make_room(event, "Popov Room")
    mod = make_person("Mia Moderator", "ITU", position="Director")
    pan = make_person("Pat Panellist", "GSMA")
    # 01:30 CEST (23:30 UTC) to 03:30 CET (02:30 UTC): three hours of real time.
    across = make_session(event, title="Across the change", room=room,
                          starts_at=datetime(2030, 10, 26, 23, 30, tzinfo=UTC),
                          ends_at=datetime(2030, 10, 27, 2, 30, tzinfo=UTC),
                          people=[(mod, "moderator"), (pan, "panellist")],
                          stream_url="https://stream.example.org/SECRET")
    # Starts at the second 02:30 of the night (CET, 01:30 UTC): ambiguous wall time.
    second = make_session(event, title="Second half-past-two", room=room,
                          starts_at=datetime(2030, 10, 27, 1, 30, tzinfo=UTC),
                          ends_at=datetime(2030, 10, 27, 2, 0, tzinfo=UTC))
    summer = make_session(event, title="Saturday panel",
                          starts_at=datetime(2030, 10, 26, 8, 0, tzinfo=UTC),
                          people=[(pan, "speaker")])
    return {"event": event, "across": across, "second": second, "summer": summer, "mod": mod, "pan": pan}


def test_event_calendar_parses_back_with_exact_instants(client, zurich):
    ev, across = zurich["event"], zurich["across"]
    resp = client.get(f"/events/{ev.slug}/programme.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    events, cal = _events(resp.data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Zurich"]
    e = events[f"session-{across.id}@localhost"]
    assert _utc(e, "DTSTART") == datetime(2030, 10, 26, 23, 30, tzinfo=UTC)
    assert _utc(e, "DTEND") == datetime(2030, 10, 27, 2, 30, tzinfo=UTC)
    assert _utc(e, "DTEND") - _utc(e, "DTSTART") == timedelta(hours=3)
    assert e["DTSTART"].params["TZID"] == "Europe/Zurich"
    s2 = events[f"session-{zurich['second'].id}@localhost"]
    assert _utc(s2, "DTSTART") == datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    assert "Popov Room" in str(e["LOCATION"]) and "ITU HQ" in str(e["LOCATION"])
    assert str(e["URL"]).endswith(f"/events/{ev.slug}/sessions/{across.id}")
    desc = str(e["DESCRIPTION"])
    assert desc.index("Moderator: Mia Moderator (Director, ITU)") < desc.index("Panellist: Pat")
    assert "SECRET" not in resp.text
    assert len(events) == 3


def test_uids_are_stable(client, zurich):
    ev = zurich["event"]
    a, _ = _events(client.get(f"/events/{ev.slug}/programme.ics").data)
    b, _ = _events(client.get(f"/events/{ev.slug}/sessions/{zurich['across'].id}.ics").data)
    assert set(b) <= set(a)


def test_session_and_speaker_calendars(client, zurich):
    ev, pan = zurich["event"], zurich["pan"]
    one, _ = _events(client.get(f"/events/{ev.slug}/sessions/{zurich['summer'].id}.ics").data)
    (e,) = one.values()
    assert _utc(e, "DTSTART") == datetime(2030, 10, 26, 8, 0, tzinfo=UTC)
    assert e.decoded("DTSTART").utcoffset() == timedelta(hours=2)  # CEST in the file
    theirs, _ = _events(client.get(f"/events/{ev.slug}/speakers/{pan.id}.ics").data)
    assert set(theirs) == {f"session-{zurich['across'].id}@localhost",
                           f"session-{zurich['summer'].id}@localhost"}


def test_personal_feed_at_secret_url_resettable(app, db, client, make_user, zurich):
    ev = zurich["event"]
    user = make_user()
    login(client, user)
    client.post(f"/events/{ev.slug}/sessions/{zurich['across'].id}/star")
    client.post("/my/schedule/feed")
    db.session.expire_all()
    from eventsapp.models import User
    token = db.session.get(User, user.id).feed_token
    assert token and len(token) >= 22  # 128+ bits, URL-safe
    page = client.get("/my/schedule").text
    assert f"/calendar/{token}.ics" in page
    anon = app.test_client()
    feed = anon.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and "no-store" in feed.headers["Cache-Control"]
    events, _ = _events(feed.data)
    assert list(events) == [f"session-{zurich['across'].id}@localhost"]
    # Reset (confirmed): the old address stops working.
    client.post("/my/schedule/feed", data={"confirm": "1"})
    assert anon.get(f"/calendar/{token}.ics").status_code == 404
    assert anon.get("/calendar/not-a-token.ics").status_code == 404
