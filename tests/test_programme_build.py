"""Organizers build the programme: events, rooms, sessions in local time, panels,
people (duplicates, photos, accounts), conflict warnings, publishing, drafts."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image

from eventsapp.models import (
    Event,
    EventRole,
    Person,
    ProgrammeSession,
    Room,
    SessionRole,
)

ZRH = ZoneInfo("Europe/Zurich")


@pytest.fixture
def zurich_event(make_event, make_room):
    start = datetime(2030, 3, 30, 8, 0, tzinfo=ZRH)
    event = make_event(timezone="Europe/Zurich", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2, hours=10)).astimezone(UTC))
    make_room(event, "Popov Room", 150)
    make_room(event, "Room B", 40)
    return event


@pytest.fixture
def organizer(make_user, zurich_event):
    return make_user(name="Olga Organizer", organizer_of=zurich_event)


def _room(db, event, name):
    return db.session.scalar(sa.select(Room).where(Room.event_id == event.id, Room.name == name))


def _session_form(room_id, **kw):
    data = {"type": "high_level_panel", "number": "1", "title": "Connecting the unconnected",
            "description": "A panel.", "room_id": str(room_id), "day": "2030-03-30",
            "start": "10:00", "end": "11:00"}
    data.update(kw)
    return data


# ------------------------------------------------------------------ events

def test_organizer_creates_event_and_becomes_its_organizer(app, db, login_as, organizer):
    client = login_as(organizer)
    resp = client.post("/events/new", data={
        "title": "P2C Annual Meeting 2031", "kind": "annual_meeting", "format": "hybrid",
        "venue_name": "Popov Room", "city": "Geneva", "country": "Switzerland",
        "timezone": "Europe/Zurich", "start_date": "2031-12-12", "start_time": "14:00",
        "end_date": "2031-12-12", "end_time": "16:30", "description": "Pledges."})
    assert resp.status_code == 302, resp.text
    event = db.session.scalar(sa.select(Event).where(Event.title == "P2C Annual Meeting 2031"))
    assert event.slug == "p2c-annual-meeting-2031"
    assert not event.published  # a draft until published
    assert event.starts_at == datetime(2031, 12, 12, 13, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2031, 12, 12, 15, 30, tzinfo=UTC)
    assert db.session.scalar(sa.select(EventRole).where(EventRole.event_id == event.id,
                                                        EventRole.user_id == organizer.id))


def test_plain_user_cannot_create_events(login_as, make_user):
    client = login_as(make_user())
    assert client.get("/events/new").status_code == 403


def test_event_form_refuses_end_before_start_and_unknown_zone(login_as, organizer):
    client = login_as(organizer)
    base = {"title": "X", "kind": "other", "format": "online", "start_date": "2031-01-02",
            "start_time": "10:00", "end_date": "2031-01-01", "end_time": "10:00"}
    resp = client.post("/events/new", data={**base, "timezone": "Mars/Olympus"})
    assert resp.status_code == 422 and "IANA" in resp.text
    resp = client.post("/events/new", data={**base, "timezone": "UTC"})
    assert resp.status_code == 422 and "The end must be after the start." in resp.text


# ------------------------------------------------------------------ sessions

def test_session_times_are_local_to_the_event(db, login_as, organizer, zurich_event):
    client = login_as(organizer)
    room = _room(db, zurich_event, "Popov Room")
    resp = client.post(f"/events/{zurich_event.slug}/sessions/new", data=_session_form(room.id))
    assert resp.status_code == 302, resp.text
    s = db.session.scalar(sa.select(ProgrammeSession).where(
        ProgrammeSession.event_id == zurich_event.id))
    # 30 March 2030 is still winter time in Zurich (+01:00).
    assert s.starts_at == datetime(2030, 3, 30, 9, 0, tzinfo=UTC)
    assert s.ends_at == datetime(2030, 3, 30, 10, 0, tzinfo=UTC)
    assert s.room_id == room.id and s.label == "High-Level Panel 1"
    assert s.published is False  # a draft until published


def test_dst_gap_time_is_refused_clearly(db, login_as, organizer, zurich_event):
    # Clocks jump from 02:00 to 03:00 on Sunday 31 March 2030 in Zurich.
    client = login_as(organizer)
    room = _room(db, zurich_event, "Popov Room")
    resp = client.post(f"/events/{zurich_event.slug}/sessions/new",
                       data=_session_form(room.id, day="2030-03-31", start="02:30", end="04:00"))
    assert resp.status_code == 422
    assert "does not exist in Europe/Zurich" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 0


def test_end_before_start_unknown_room_unknown_type(db, login_as, organizer, zurich_event,
                                                      make_event, make_room):
    client = login_as(organizer)
    url = f"/events/{zurich_event.slug}/sessions/new"
    room = _room(db, zurich_event, "Popov Room")
    resp = client.post(url, data=_session_form(room.id, start="11:00", end="10:00"))
    assert resp.status_code == 422 and "The end must be after the start." in resp.text
    foreign = make_room(make_event(), "Elsewhere")
    resp = client.post(url, data=_session_form(foreign.id))
    assert resp.status_code == 422 and "Unknown room for this event." in resp.text
    resp = client.post(url, data=_session_form(room.id, type="lecture"))
    assert resp.status_code == 422 and "Unknown session type. Use one of:" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 0


def test_service_refuses_unknown_room_and_type(app, zurich_event, make_event, make_room):
    from eventsapp.errors import ValidationFailed
    from eventsapp.programme import services

    other_room = make_room(make_event(), "Elsewhere")
    values = {"type": "high_level_panel", "title": "T", "starts_at": zurich_event.starts_at,
                  "ends_at": zurich_event.starts_at + timedelta(hours=1)}
    with pytest.raises(ValidationFailed, match="Unknown room"):
        services.create_session(zurich_event, {**values, "room_id": other_room.id})
    with pytest.raises(ValidationFailed) as refused:
        services.create_session(zurich_event, {**values, "type": "lecture"})
    assert refused.value.fields["type"][0].startswith("Unknown session type. Use one of:")
    with pytest.raises(ValidationFailed, match="ends before it starts"):
        services.create_session(zurich_event, {**values, "ends_at": values["starts_at"]})


def test_every_change_bumps_programme_version(app, db, zurich_event):
    from eventsapp.programme import services

    v0 = zurich_event.programme_version
    s = services.create_session(zurich_event, {
        "type": "keynote", "title": "K", "starts_at": zurich_event.starts_at,
        "ends_at": zurich_event.starts_at + timedelta(hours=1)})
    assert db.session.get(Event, zurich_event.id).programme_version == v0 + 1
    services.update_session(zurich_event, s.id, {"title": "K2"})
    assert db.session.get(Event, zurich_event.id).programme_version == v0 + 2


# ------------------------------------------------------------------ panels

def test_build_a_panel_with_moderator_and_three_panellists(db, login_as, organizer,
                                                          zurich_event, make_session,
                                                          make_person):
    s = make_session(zurich_event, published=False)
    client = login_as(organizer)
    base = f"/events/{zurich_event.slug}/sessions/{s.id}"
    resp = client.post(base + "/people/new", data={"np-name": "Mia Moderator",
                                                    "np-organization": "ITU",
                                                    "np-role": "moderator"})
    assert resp.status_code == 302, resp.text
    # A profile with no role yet is usable by the account that created it.
    existing = make_person("Pat Panellist", "GSMA", created_by_id=organizer.id)
    assert client.post(base + "/people", data={"person_id": existing.id,
                                               "role": "panellist"}).status_code == 302
    for name in ("Pia Two", "Pio Three"):
        client.post(base + "/people/new", data={"np-name": name, "np-organization": "Org",
                                                "np-role": "panellist"})
    roles = db.session.scalars(sa.select(SessionRole).where(SessionRole.session_id == s.id)
                               .order_by(SessionRole.position)).all()
    assert [(r.person.name, r.role.value) for r in roles] == [
        ("Mia Moderator", "moderator"), ("Pat Panellist", "panellist"),
        ("Pia Two", "panellist"), ("Pio Three", "panellist")]
    # Reorder: move the last one up.
    client.post(base + f"/people/{roles[3].id}/move", data={"direction": "up"})
    names = [r.person.name for r in db.session.scalars(
        sa.select(SessionRole).where(SessionRole.session_id == s.id)
        .order_by(SessionRole.position))]
    assert names == ["Mia Moderator", "Pat Panellist", "Pio Three", "Pia Two"]
    # The same person twice on one session is refused.
    resp = client.post(base + "/people", data={"person_id": existing.id, "role": "speaker"})
    assert resp.status_code == 422 and "already on this session" in resp.text
    # Session page shows people in order with roles.
    page = client.get(f"/events/{zurich_event.slug}/sessions/{s.id}").text
    assert page.index("Mia Moderator") < page.index("Pat Panellist") < page.index("Pio Three")
    assert "Moderator" in page and "Panellist" in page


def test_one_person_record_across_sessions_and_duplicate_warning(db, login_as, organizer,
                                                                 zurich_event, make_session,
                                                                 make_person):
    # Duplicates are looked for among the people this organizer may use (tests/test_tenancy.py:
    # another organizer's speaker is neither shown nor blocks a new profile).
    make_person("Doreen Bogdan-Martin", "ITU", created_by_id=organizer.id)
    s = make_session(zurich_event)
    client = login_as(organizer)
    url = f"/events/{zurich_event.slug}/sessions/{s.id}/people/new"
    resp = client.post(url, data={"np-name": "doreen  bogdan-martin", "np-organization": "ITU",
                                  "np-role": "keynote"})
    assert resp.status_code == 422
    assert "Likely duplicate" in resp.text and "Same name and organization as person" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    resp = client.post(url, data={"np-name": "Doreen Bogdan-Martin", "np-organization": "ITU",
                                  "np-role": "keynote", "np-allow_duplicate": "y"})
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2


def _png(size=(40, 30), mode="RGB", exif=False) -> bytes:
    buf = io.BytesIO()
    img = Image.new(mode, size, "blue")
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        img.save(buf, "JPEG", exif=ex.tobytes())
    else:
        img.save(buf, "PNG")
    return buf.getvalue()


def test_person_photo_is_checked_reencoded_and_served_safely(app, db, login_as, organizer,
                                                             zurich_event, make_session,
                                                             make_person, client):
    person = make_person("Photo Person", "Org")
    make_session(zurich_event, people=[(person, "speaker")])
    c = login_as(organizer)
    url = f"/events/{zurich_event.slug}/people/{person.id}/edit"
    jpeg = _png(exif=True)
    assert b"SecretCam" in jpeg
    resp = c.post(url, data={"name": "Photo Person", "organization": "Org",
                             "photo": (io.BytesIO(jpeg), "../../etc/passwd.jpg")},
                  content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    name = person.photo_filename
    assert name and "passwd" not in name and len(name) > 20
    from pathlib import Path
    stored = Path(app.config["UPLOAD_FOLDER"]) / "people" / name
    assert stored.is_file() and b"SecretCam" not in stored.read_bytes()
    resp = client.get(f"/people/{person.id}/photo")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    Image.open(io.BytesIO(resp.data)).verify()

    # Not an image; too large: clear errors, nothing changed.
    resp = c.post(url, data={"name": "Photo Person", "photo": (io.BytesIO(b"<svg onload=x>"),
                                                               "x.png")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422 and "not an image" in resp.text
    app.config["PHOTO_MAX_BYTES"] = 1000
    resp = c.post(url, data={"name": "Photo Person",
                             "photo": (io.BytesIO(_png((400, 400), "RGBA")), "big.png")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422 and "too large" in resp.text
    db.session.expire_all()
    assert db.session.get(Person, person.id).photo_filename == name


def test_link_person_to_account_gives_my_sessions(db, login_as, organizer, zurich_event,
                                                  make_session, make_person, make_user, app):
    speaker = make_user("speaker@example.org", name="Sam Speaker")
    person = make_person("Sam Speaker", "Org")
    s = make_session(zurich_event, title="Sam's panel", people=[(person, "panellist")])
    c = login_as(organizer)
    url = f"/events/{zurich_event.slug}/people/{person.id}/edit"
    resp = c.post(url, data={"name": "Sam Speaker", "organization": "Org",
                             "account_email": "nobody@example.org"})
    assert resp.status_code == 422 and "No account uses this email" in resp.text
    resp = c.post(url, data={"name": "Sam Speaker", "organization": "Org",
                             "account_email": "Speaker@Example.org"})
    assert resp.status_code == 302
    sc = app.test_client()
    from tests.conftest import login
    login(sc, speaker)
    page = sc.get("/my/sessions").text
    assert "Sam&#39;s panel" in page or "Sam's panel" in page
    assert "Panellist" in page
    assert s.id  # the session exists


# ------------------------------------------------------------------ conflicts and publishing

def test_conflict_warnings_while_building_and_before_publishing(db, login_as, organizer,
                                                                zurich_event, make_session,
                                                                make_person):
    room = _room(db, zurich_event, "Popov Room")
    busy = make_person("Busy Bee", "Org")
    start = zurich_event.starts_at + timedelta(hours=2)
    a = make_session(zurich_event, title="Panel A", room=room, starts_at=start,
                     people=[(busy, "moderator")], published=False)
    b = make_session(zurich_event, title="Panel B", room=room,
                     starts_at=start + timedelta(minutes=30), people=[(busy, "panellist")],
                     published=False)
    make_session(zurich_event, title="Too late", starts_at=zurich_event.ends_at,
                 published=False)
    make_session(zurich_event, title="Back to back", room=room,
                 starts_at=start + timedelta(minutes=75), published=False)  # after B ends
    c = login_as(organizer)
    manage = c.get(f"/events/{zurich_event.slug}/programme/manage").text
    assert "Popov Room is used by two sessions at once" in manage
    assert "Busy Bee is in two sessions at once" in manage
    assert "outside the event&#39;s dates" in manage or "outside the event's dates" in manage
    # One room warning (listed once on top and on each of its two rows): sessions that
    # only touch end to start do not overlap.
    assert "Back to back" in manage and manage.count("used by two sessions at once") == 3
    edit = c.get(f"/events/{zurich_event.slug}/sessions/{a.id}/edit").text
    assert "Busy Bee is in two sessions at once" in edit
    publish = c.get(f"/events/{zurich_event.slug}/programme/publish")
    assert "3 warnings" in publish.text
    # Warnings do not block publishing.
    resp = c.post(f"/events/{zurich_event.slug}/programme/publish")
    assert resp.status_code == 302
    db.session.expire_all()
    assert all(s.published for s in db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.event_id == zurich_event.id)))
    # Saving a conflicting session flashes the warning at once.
    resp = c.post(f"/events/{zurich_event.slug}/sessions/{b.id}/edit", follow_redirects=True,
                  data=_session_form(room.id, title="Panel B", day="2030-03-30",
                                     start=a.starts_at.astimezone(ZRH).strftime("%H:%M"),
                                     end="23:00", published="y"))
    assert "Warning:" in resp.text and "used by two sessions at once" in resp.text


def test_drafts_are_seen_by_their_organizers_only(app, db, make_event, make_session,
                                                  make_user, login_as):
    event = make_event()
    draft = make_session(event, title="Secret draft session", published=False)
    shown = make_session(event, title="Public session")
    org = make_user(organizer_of=event)
    anon = app.test_client()
    page = anon.get(f"/events/{event.slug}/programme").text
    assert "Public session" in page and "Secret draft session" not in page
    assert anon.get(f"/events/{event.slug}/sessions/{draft.id}").status_code == 404
    assert anon.get(f"/api/v1/sessions/{draft.id}").status_code == 404
    assert "Secret draft session" not in anon.get(f"/api/v1/events/{event.slug}/sessions").text
    assert "Secret draft session" not in anon.get(f"/events/{event.slug}/programme.ics").text
    c = login_as(org)
    assert "Secret draft session" in c.get(f"/events/{event.slug}/programme").text
    assert c.get(f"/events/{event.slug}/sessions/{draft.id}").status_code == 200
    draft_event = make_event(published=False, title="Hidden event")
    make_session(draft_event, title="Hidden event session")
    assert anon.get(f"/events/{draft_event.slug}/programme").status_code == 404
    assert anon.get(f"/events/{draft_event.slug}/schedule.xml").status_code == 404
    assert shown.id


def test_console_panel(login_as, organizer, zurich_event, make_session):
    make_session(zurich_event, published=False)
    page = login_as(organizer).get(f"/events/{zurich_event.slug}/console/").text
    assert "Manage the programme" in page and "1 session, 1 draft" in page
