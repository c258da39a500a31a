"""The programme API: reading sessions; organizers create, update and delete events,
rooms, sessions and people; validation errors are 422 in the JSON error format."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventsapp.models import Event, ProgrammeSession, Room

ZRH = ZoneInfo("Europe/Zurich")


@pytest.fixture
def setup(make_event, make_room, make_person, make_session, make_user, api_token):
    start = datetime(2030, 6, 10, 9, 0, tzinfo=ZRH)
    event = make_event(timezone="Europe/Zurich", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=1)).astimezone(UTC))
    room = make_room(event, "Popov Room")
    mod, pan = make_person("Mia Moderator", "ITU"), make_person("Pat Panellist", "GSMA")
    s = make_session(event, type="high_level_panel", number=2, title="Panel", room=room,
                     starts_at=start + timedelta(hours=1),
                     people=[(mod, "moderator"), (pan, "panellist")],
                     stream_url="https://stream.example.org/SECRET", stream_passcode="PASS")
    org = make_user(organizer_of=event)
    return {"event": event, "room": room, "session": s, "mod": mod, "pan": pan,
                "headers": api_token(org), "other": api_token(make_user())}


def test_list_and_detail(client, setup):
    ev, s = setup["event"], setup["session"]
    data = client.get(f"/api/v1/events/{ev.slug}/sessions").get_json()
    assert data["timezone"] == "Europe/Zurich"
    (item,) = data["sessions"]
    assert item["id"] == s.id and item["type"] == "high_level_panel" and item["number"] == 2
    assert item["title"] == "Panel" and item["room"]["name"] == "Popov Room"
    assert item["starts_at"] == "2030-06-10T10:00:00+02:00"
    assert item["ends_at"] == "2030-06-10T10:45:00+02:00"
    assert [(p["name"], p["role"], p["organization"]) for p in item["people"]] == [
        ("Mia Moderator", "moderator", "ITU"), ("Pat Panellist", "panellist", "GSMA")]
    for key in ("stream_url", "stream_passcode", "recording_url"):
        assert key not in item
    detail = client.get(f"/api/v1/sessions/{s.id}").get_json()
    assert detail == item
    assert client.get("/api/v1/sessions/999999").status_code == 404


def test_organizer_builds_everything(client, db, setup, make_user, api_token):
    h = setup["headers"]
    # An organizer of one event creates another (and becomes its organizer).
    resp = client.post("/api/v1/events", headers=h, json={
        "title": "API Roundtable", "timezone": "Africa/Kigali", "kind": "roundtable",
        "format": "hybrid", "starts_at": "2031-06-07T09:00", "ends_at": "2031-06-09T13:00"})
    assert resp.status_code == 201, resp.get_json()
    slug = resp.get_json()["slug"]
    assert resp.get_json()["starts_at"] == "2031-06-07T09:00:00+02:00"
    resp = client.patch(f"/api/v1/events/{slug}", headers=h, json={"venue_name": "KCC"})
    assert resp.status_code == 200 and resp.get_json()["venue_name"] == "KCC"
    room = client.post(f"/api/v1/events/{slug}/rooms", headers=h,
                       json={"name": "Auditorium", "capacity": 1200}).get_json()
    person = client.post("/api/v1/people", headers=h,
                         json={"name": "Nia New", "organization": "UNDP"}).get_json()
    resp = client.post(f"/api/v1/events/{slug}/sessions", headers=h, json={
        "type": "keynote", "title": "Keynote", "room_id": room["id"],
        "starts_at": "2031-06-07T10:00:00+02:00", "ends_at": "2031-06-07T08:30:00Z",
        "people": [{"person_id": person["id"], "role": "keynote"},
                   {"person_id": setup["mod"].id, "role": "host"}],
        "stream_url": "https://stream.example.org/NEWSECRET", "published": True})
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert created["ends_at"] == "2031-06-07T10:30:00+02:00"
    assert [p["name"] for p in created["people"]] == ["Nia New", "Mia Moderator"]
    assert "NEWSECRET" not in resp.text
    stored = db.session.get(ProgrammeSession, created["id"])
    assert stored.stream_url == "https://stream.example.org/NEWSECRET"  # write-only
    resp = client.patch(f"/api/v1/sessions/{created['id']}", headers=h, json={
        "title": "Opening keynote", "people": [{"person_id": setup["mod"].id,
                                                "role": "host"}]})
    assert resp.status_code == 200
    assert resp.get_json()["title"] == "Opening keynote"
    assert [p["name"] for p in resp.get_json()["people"]] == ["Mia Moderator"]
    resp = client.patch(f"/api/v1/people/{person['id']}", headers=h, json={"position": "Chief"})
    assert resp.status_code == 200 and resp.get_json()["position"] == "Chief"
    assert client.delete(f"/api/v1/sessions/{created['id']}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/people/{person['id']}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/events/{slug}/rooms/{room['id']}",
                         headers=h).status_code == 204
    assert client.delete(f"/api/v1/events/{slug}", headers=h).status_code == 204
    assert db.session.scalar(sa.select(Event).where(Event.slug == slug)) is None


def test_validation_errors_are_422_json(client, db, setup):
    h, ev = setup["headers"], setup["event"]
    url = f"/api/v1/events/{ev.slug}/sessions"
    base = {"type": "keynote", "title": "K", "starts_at": "2030-06-10T10:00",
            "ends_at": "2030-06-10T11:00"}
    cases = [
        ({**base, "ends_at": "2030-06-10T09:00"}, "ends_at"),
        ({**base, "type": "lecture"}, "type"),
        ({**base, "room_id": 999999}, "room_id"),
        ({**base, "starts_at": "yesterday"}, "starts_at"),
        ({**base, "people": [{"person_id": setup["mod"].id, "role": "juggler"}]}, "people"),
        ({"title": "no type"}, "type"),
    ]
    for body, field in cases:
        resp = client.post(url, headers=h, json=body)
        assert resp.status_code == 422, (body, resp.get_json())
        err = resp.get_json()["error"]
        # Nested fields are named by their path ("people.0.role"): every value is a list
        # of messages, as the error schema declares.
        named = [k for k in err["fields"] if k == field or k.startswith(field + ".")]
        assert err["code"] == "validation_failed" and named, (field, err)
        assert all(isinstance(v, list) for v in err["fields"].values())
    # An unknown person id is answered like another organizer's person: 404 (tenancy).
    resp = client.post(url, headers=h, json={**base, "people": [{"person_id": 999999}]})
    assert resp.status_code == 404 and "people" in resp.get_json()["error"]["fields"]
    # A local time skipped by daylight saving (Zurich, 31 March 2030, 02:30).
    resp = client.post(url, headers=h, json={**base, "starts_at": "2030-03-31T02:30",
                                             "ends_at": "2030-03-31T04:00"})
    assert resp.status_code == 422 and "does not exist" in resp.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 1
    # Duplicate person: 409 unless confirmed.
    resp = client.post("/api/v1/people", headers=h, json={"name": "Mia Moderator",
                                                          "organization": "ITU"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "duplicate_person"
    resp = client.post("/api/v1/people", headers=h, json={"name": "Mia Moderator",
                                                          "organization": "ITU",
                                                          "allow_duplicate": True})
    assert resp.status_code == 201
    # Room names are unique per event.
    resp = client.post(f"/api/v1/events/{ev.slug}/rooms", headers=h, json={"name": "popov room"})
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 1


def test_only_organizers_write(client, setup):
    ev, s = setup["event"], setup["session"]
    assert client.patch(f"/api/v1/sessions/{s.id}", json={"title": "x"}).status_code == 401
    assert client.patch(f"/api/v1/sessions/{s.id}", headers=setup["other"],
                        json={"title": "x"}).status_code == 403
    assert client.post("/api/v1/events", headers=setup["other"],
                       json={}).status_code == 403
    assert client.delete(f"/api/v1/events/{ev.slug}", headers=setup["other"]).status_code == 403
    assert client.get(f"/api/v1/sessions/{s.id}").get_json()["title"] == "Panel"


def test_openapi_documents_the_programme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/events/{slug}/sessions" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/events"] and "get" in spec["paths"]["/api/v1/events"]
