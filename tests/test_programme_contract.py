"""One contract for every programme input: the same bad value gets the same message
through the HTML form (422, re-rendered with the message), the API (422, the message
under its field) and the CSV import (a problem on its line), because all three load it
through the one schema (eventsapp/programme/schemas.py). The expected message is taken
from the schema itself, so a rule changed there is checked everywhere at once."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from markupsafe import escape

from eventsapp.errors import ValidationFailed
from eventsapp.inputs import load
from eventsapp.models import Event, Person, ProgrammeSession, Room
from eventsapp.programme import schemas

ZRH = ZoneInfo("Europe/Zurich")
LONG_TITLE = "T" * 301


def schema_message(schema, values: dict, field: str, partial: bool = True) -> str:
    """What the schema says about ``values[field]`` (the one message to find everywhere)."""
    with pytest.raises(ValidationFailed) as refused:
        load(schema, values, partial=partial)
    return refused.value.fields[field][0]


@pytest.fixture
def event(make_event, make_room):
    start = datetime(2030, 10, 26, 9, 0, tzinfo=ZRH)
    e = make_event(timezone="Europe/Zurich", starts_at=start.astimezone(UTC),
                   ends_at=(start + timedelta(hours=8)).astimezone(UTC))
    make_room(e, "Popov Room", 100)
    return e


@pytest.fixture
def organizer(make_user, event):
    return make_user(organizer_of=event)


def _room_id(db, event) -> int:
    return db.session.scalar(sa.select(Room.id).where(Room.event_id == event.id))


def _session_form(room_id: int, **kw: str) -> dict:
    return {"type": "keynote", "number": "1", "title": "A keynote", "description": "",
            "room_id": str(room_id), "day": "2030-10-26", "start": "10:00", "end": "11:00",
            **kw}


def _session_json(room_id: int, **kw: object) -> dict:
    return {"type": "keynote", "number": 1, "title": "A keynote", "room_id": room_id,
            "starts_at": "2030-10-26T10:00:00", "ends_at": "2030-10-26T11:00:00", **kw}


def _csv(**kw: str) -> bytes:
    row = {"date": "2030-10-26", "start": "10:00", "end": "11:00", "room": "Popov Room",
           "type": "keynote", "number": "1", "title": "A keynote", "description": "",
           "people": "", **kw}
    header = "date,start,end,room,type,number,title,description,people"
    cells = [f'"{row[c]}"' for c in header.split(",")]
    return (header + "\n" + ",".join(cells) + "\n").encode()


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


SESSION_CASES = [
    # (form field = API field, bad value in the form / CSV, in JSON, CSV column)
    ("title", LONG_TITLE, LONG_TITLE, "title"),
    ("number", "1000", 1000, "number"),
    ("type", "lecture", "lecture", "type"),
]


@pytest.mark.parametrize(("field", "text", "json_value", "column"), SESSION_CASES)
def test_a_bad_session_value_has_one_message_everywhere(db, client, login_as, organizer,
                                                         api_token, event, field, text,
                                                         json_value, column):
    message = schema_message(schemas.SessionSchema(), {field: text}, field)
    room_id = _room_id(db, event)
    before = _count(db, ProgrammeSession)

    c = login_as(organizer)
    resp = c.post(f"/events/{event.slug}/sessions/new", data=_session_form(room_id,
                                                                            **{field: text}))
    assert resp.status_code == 422
    assert str(escape(message)) in resp.text, message

    resp = c.post(f"/events/{event.slug}/programme/import", data={
        "file": (io.BytesIO(_csv(**{column: text})), "p.csv"), "kind": "csv",
        "action": "import"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert str(escape(f"Line 2: {column}: {message}")) in resp.text, message

    resp = client.post(f"/api/v1/events/{event.slug}/sessions", headers=api_token(organizer),
                       json=_session_json(room_id, **{field: json_value}))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"][field] == [message]
    assert _count(db, ProgrammeSession) == before  # nothing half-written, anywhere


def test_a_long_room_name_has_one_message_everywhere(db, client, login_as, organizer,
                                                      api_token, event):
    name = "R" * 121
    message = schema_message(schemas.RoomSchema(), {"name": name}, "name")
    c = login_as(organizer)
    resp = c.post(f"/events/{event.slug}/rooms", data={"name": name})
    assert resp.status_code == 422 and str(escape(message)) in resp.text
    resp = client.post(f"/api/v1/events/{event.slug}/rooms", headers=api_token(organizer),
                       json={"name": name})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["name"] == [message]
    resp = c.post(f"/events/{event.slug}/programme/import", data={
        "file": (io.BytesIO(_csv(room=name)), "p.csv"), "kind": "csv", "action": "check",
        "create_rooms": "y"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert str(escape(f"Line 2: room: {message}")) in resp.text
    assert _count(db, Room) == 1


def test_a_long_speaker_name_has_one_message_everywhere(db, client, login_as, organizer,
                                                         api_token, event):
    name = "N" * 201
    message = schema_message(schemas.PersonSchema(), {"name": name}, "name")
    c = login_as(organizer)
    resp = c.post(f"/events/{event.slug}/people/new", data={"name": name})
    assert resp.status_code == 422 and str(escape(message)) in resp.text
    resp = client.post("/api/v1/people", headers=api_token(organizer), json={"name": name})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["name"] == [message]
    resp = c.post(f"/events/{event.slug}/programme/import", data={
        "file": (io.BytesIO(_csv(people=f"{name} [speaker]")), "p.csv"), "kind": "csv",
        "action": "check"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert str(escape(f"name: {message}")) in resp.text
    assert _count(db, Person) == 0


def test_an_unknown_country_has_one_message_in_forms_and_api(db, client, login_as, organizer,
                                                              api_token, event):
    message = schema_message(schemas.PersonSchema(), {"country": "Atlantis"}, "country")
    assert "Atlantis" in message
    c = login_as(organizer)
    resp = c.post(f"/events/{event.slug}/people/new", data={"name": "Ann", "country": "Atlantis"})
    assert resp.status_code == 422 and str(escape(message)) in resp.text
    resp = client.post("/api/v1/people", headers=api_token(organizer),
                       json={"name": "Ann", "country": "Atlantis"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["country"] == [message]
    resp = client.patch(f"/api/v1/events/{event.slug}", headers=api_token(organizer),
                        json={"country": "Atlantis"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["country"] == [message]
    resp = c.post(f"/events/{event.slug}/edit", data={
        "title": "X", "kind": "other", "format": "online", "timezone": "Europe/Zurich",
        "start_date": "2030-10-26", "start_time": "09:00", "end_date": "2030-10-26",
        "end_time": "17:00", "country": "Atlantis"})
    assert resp.status_code == 422 and str(escape(message)) in resp.text
    assert _count(db, Person) == 0
    assert db.session.get(Event, event.id).country != "Atlantis"


def test_countries_are_stored_as_codes_and_shown_by_name(db, client, login_as, organizer,
                                                         api_token, event):
    c = login_as(organizer)
    resp = c.post(f"/events/{event.slug}/people/new", data={"name": "Ann", "country": "Rwanda"})
    assert resp.status_code == 302, resp.text
    person = db.session.scalar(sa.select(Person).where(Person.name == "Ann"))
    assert person.country == "RW"
    resp = client.post("/api/v1/people", headers=api_token(organizer),
                       json={"name": "Bo", "country": "che"})
    assert resp.status_code == 201 and resp.get_json()["country"] == "CH"
    resp = client.patch(f"/api/v1/events/{event.slug}", headers=api_token(organizer),
                        json={"country": "Switzerland"})
    assert resp.status_code == 200 and resp.get_json()["country"] == "CH"
    page = client.get(f"/events/{event.slug}")
    assert "Switzerland" in page.text


def test_the_same_schema_documents_the_api(client):
    """The OpenAPI document's session body carries the schema's limits."""
    doc = client.get("/api/v1/openapi.json").get_json()
    session_in = doc["components"]["schemas"]["SessionIn"]["properties"]
    assert session_in["title"]["maxLength"] == 300
    assert "lecture" not in session_in["type"]["enum"]
    assert "keynote" in session_in["type"]["enum"]
