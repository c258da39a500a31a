"""schedule.json: valid against the c3voc schedule JSON schema (the reference copy in
``<repo>/../shared/reference``), with our session types, numbers, roles and organizations
kept in the fields the schema allows; imported back by ``frab.parse_json`` so that export,
import into an empty event and export again give the same document; bad files refused
with line-numbered, entry-named problems, never a 500."""
from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import sqlalchemy as sa

from eventsapp.guards import MAX_JSON_DEPTH
from eventsapp.models import ProgrammeSession, RoleKind, SessionType
from eventsapp.programme import frab

ZRH = ZoneInfo("Europe/Zurich")
REPO = Path(__file__).resolve().parents[1]
SCHEMA_NAME = Path("shared") / "reference" / "c3voc-schedule-schema.json"


def _main_checkout(repo: Path) -> Path | None:
    """The main checkout when ``repo`` is a git worktree (its ``.git`` is a file naming
    ``<main>/.git/worktrees/<name>``), so a worktree finds the same shared/ folder."""
    dot_git = repo / ".git"
    if not dot_git.is_file():
        return None
    text = dot_git.read_text().strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = (repo / text.split(":", 1)[1].strip()).resolve()
    common = gitdir / "commondir"
    common_dir = (gitdir / common.read_text().strip()).resolve() if common.is_file() \
        else gitdir.parents[1]
    return common_dir.parent


def _schema_path() -> Path | None:
    # Used where it is, beside the checkout (never copied into the project).
    for root in (REPO, _main_checkout(REPO)):
        if root is not None and (root.parent / SCHEMA_NAME).is_file():
            return root.parent / SCHEMA_NAME
    return None


SCHEMA_PATH = _schema_path()


def _format_checker(cls) -> jsonschema.FormatChecker:
    """The draft's own checks plus the formats draft 6 leaves unchecked without optional
    packages: uuid, date, uri (absolute)."""
    checker = copy.deepcopy(cls.FORMAT_CHECKER)

    @checker.checks("uuid", raises=ValueError)
    def is_uuid(value):
        return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()

    @checker.checks("date", raises=ValueError)
    def is_date(value):
        return not isinstance(value, str) or bool(date.fromisoformat(value))

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def is_uri(value):
        parts = urlsplit(value) if isinstance(value, str) else None
        return parts is None or bool(parts.scheme and parts.netloc)

    return checker


@pytest.fixture(scope="module")
def validator():
    if SCHEMA_PATH is None:
        pytest.skip(f"the c3voc schema is not beside this checkout ({REPO.parent / SCHEMA_NAME} "
                    "is absent); it is reference data, never copied into the project")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft6Validator  # "$schema": draft-06
    cls.check_schema(schema)
    return cls(schema, format_checker=_format_checker(cls))


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))]


@pytest.fixture
def programme(make_event, make_room, make_person, make_session):
    """Three days in Zurich across the end of summer time (27 Oct 2030, 03:00 CEST becomes
    02:00 CET), three rooms, every session type, every role, unicode everywhere, one
    session without a room and one in the repeated hour."""
    start = datetime(2030, 10, 26, 9, 0, tzinfo=ZRH)
    event = make_event(timezone="Europe/Zurich", title="Réunion annuelle — Genève 2030",
                       starts_at=start.astimezone(UTC),
                       ends_at=datetime(2030, 10, 28, 18, 0, tzinfo=ZRH).astimezone(UTC))
    hall = make_room(event, "Popov Room")
    salle = make_room(event, "Salle Genève")
    tokyo = make_room(event, "会議室 東京 & <Co>")
    ann = make_person("Ann Host", "International Telecommunication Union (ITU)",
                      position="Secretary-General")
    mod = make_person("Zoë Moderator", "Université de Genève")
    pan = [make_person(f"Panellist {n}", f"Org {n}") for n in ("Ω", "Ж", "李")]
    key = make_person("محمد الكاتب", "")
    spk = make_person("Speaker Ó Briain", "RTÉ")
    day1, day2, day3 = (datetime(2030, 10, d, tzinfo=ZRH) for d in (26, 27, 28))

    def at(day, h, m=0):
        return day.replace(hour=h, minute=m)

    made = [
        ("opening", None, "Opening 🎉", hall, at(day1, 9), 30, [(ann, "host")]),
        ("high_level_panel", 1, "Affordable access — «für alle»", hall, at(day1, 10), 90,
         [(mod, "moderator"), *[(p, "panellist") for p in pan]]),
        ("spotlight", 1, "Spotlight; one, two", tokyo, at(day1, 10), 45, [(spk, "speaker")]),
        ("keynote", None, "الكلمة الرئيسية", salle, at(day1, 14), 60, [(key, "keynote")]),
        ("break", None, "Coffee ☕", None, at(day1, 15), 30, []),
        # Across the night of the change: four hours, 23:30 CEST to 02:30 CET.
        ("reception", None, "Late reception", hall, at(day1, 23, 30), 240, [(ann, "host")]),
        # 02:30 happens twice on 27 October; this is the second (CET) one.
        ("networking", None, "Night owls", None,
         datetime(2030, 10, 27, 1, 30, tzinfo=UTC), 30, []),
        ("special_message", None, "Послание", salle, at(day2, 10), 20, [(mod, "speaker")]),
        ("high_level_panel", 2, "Panel zwei", hall, at(day2, 11), 60,
         [(mod, "moderator"), (pan[0], "panellist"), (spk, "panellist")]),
        ("awards_ceremony", None, "Awards 2030", hall, at(day3, 16), 45, [(ann, "host")]),
        ("closing", None, "Closing", hall, at(day3, 17), 30, [(ann, "host"), (mod, "speaker")]),
    ]
    for type_, number, title, room, starts, minutes, people in made:
        make_session(event, type=type_, number=number, title=title, room=room,
                     starts_at=starts.astimezone(UTC), description=f"About {title}.\n\n“Détails”.",
                     ends_at=starts.astimezone(UTC) + timedelta(minutes=minutes),
                     people=people)
    make_session(event, type="keynote", title="Draft, never exported", published=False)
    return event


def _events(doc):
    return [e for d in doc["schedule"]["conference"]["days"] for r in d["rooms"].values()
            for e in r]


def test_schedule_json_is_valid_against_the_c3voc_schema(client, programme, validator):
    resp = client.get(f"/events/{programme.slug}/schedule.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = json.loads(resp.data)
    assert _errors(validator, doc) == []
    conf = doc["schedule"]["conference"]
    assert conf["time_zone_name"] == "Europe/Zurich" and conf["daysCount"] == 3
    assert conf["acronym"] == programme.slug.replace("-", "_")
    assert [r["name"] for r in conf["rooms"]] == [
        "Popov Room", "Salle Genève", "会議室 東京 & <Co>"]
    assert [d["date"] for d in conf["days"]] == ["2030-10-26", "2030-10-27", "2030-10-28"]
    # The day of the change lasts 25 hours, from midnight CEST to midnight CET.
    assert conf["days"][1]["day_start"] == "2030-10-27T00:00:00+02:00"
    assert conf["days"][1]["day_end"] == "2030-10-28T00:00:00+01:00"
    events = _events(doc)
    assert len(events) == 11 and "Draft, never exported" not in {e["title"] for e in events}
    assert {e["type"] for e in events} == {t.value for t in SessionType}
    panel = next(e for e in events if e["title"].startswith("Affordable"))
    assert (panel["type"], panel["track"], panel["subtitle"]) == \
        ("high_level_panel", "High-Level Panel", "High-Level Panel 1")
    assert [(p["public_name"], p["organization"], p["role"]) for p in panel["persons"]][:2] == [
        ("Zoë Moderator", "Université de Genève", "moderator"),
        ("Panellist Ω", "Org Ω", "panellist")]
    assert {p["role"] for e in events for p in e["persons"]} == {r.value for r in RoleKind}
    late = next(e for e in events if e["title"] == "Late reception")
    assert (late["date"], late["end"], late["duration"]) == \
        ("2030-10-26T23:30:00+02:00", "2030-10-27T02:30:00+01:00", "04:00")
    owls = next(e for e in events if e["title"] == "Night owls")
    assert owls["date"] == "2030-10-27T02:30:00+01:00" and owls["room"] == ""
    assert conf["days"][1]["rooms"][""] == [owls]


def _stub_event(slug="ab", timezone="Etc/GMT-3"):
    start = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    return SimpleNamespace(slug=slug, title="T", timezone=timezone, tz=ZoneInfo(timezone),
                           starts_at=start, ends_at=start + timedelta(hours=8),
                           programme_version=7)


def test_export_is_valid_for_awkward_slugs_and_zones_without_a_database(validator):
    """A pure helper: plain objects in, a document out."""
    event = _stub_event()
    person = SimpleNamespace(name="N", organization="", position="")
    s = SimpleNamespace(id=5, title="Only", description=None, room=None, number=None,
                        starts_at=event.starts_at, ends_at=event.starts_at + timedelta(hours=1),
                        type=SessionType.BREAK, label="Break",
                        roles=[SimpleNamespace(person=person, person_id=9, position=0, id=1,
                                               role=RoleKind.HOST)])
    doc = frab.export_json(event, [s], host="example.org",
                           session_url=lambda s: f"https://example.org/s/{s.id}")
    assert _errors(validator, doc) == []
    conf = doc["schedule"]["conference"]
    # The schema's zone pattern refuses Etc/GMT-3: the zone travels in meta instead.
    assert "time_zone_name" not in conf and conf["meta"] == {"time_zone_name": "Etc/GMT-3"}
    assert conf["acronym"] == "ab__"
    for slug in ("p2c-annual-meeting-2031", "x", "event-1-abc123", "2030"):
        assert frab.ACRONYM_RE.match(frab.acronym(slug)), slug


# ------------------------------------------------------------------ round trip

# What differs between two events by construction, never by content: database ids,
# guids derived from them, URLs and slugs containing the event's slug, the acronym and
# the title (the target is another event), the programme version (bumped by the import).
NORMALIZED_EVENT_KEYS = ("id", "guid", "url", "slug", "links")
NORMALIZED_PERSON_KEYS = ("id",)


def _normalized(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    sched = doc["schedule"]
    sched["version"] = "<version>"
    conf = sched["conference"]
    conf["acronym"] = conf["title"] = "<event>"
    for room in conf["rooms"]:
        room["guid"] = "<guid>"
    for e in _events(doc):
        for k in NORMALIZED_EVENT_KEYS:
            e[k] = f"<{k}>"
        for p in e["persons"]:
            for k in NORMALIZED_PERSON_KEYS:
                p[k] = f"<{k}>"
    return doc


def test_export_import_export_gives_the_same_document(db, login_as, make_user, make_event,
                                                      programme, validator):
    target = make_event(timezone=programme.timezone, starts_at=programme.starts_at,
                        ends_at=programme.ends_at)
    c = login_as(make_user(organizer_of=[programme, target]))
    first = c.get(f"/events/{programme.slug}/schedule.json").data
    resp = c.post(f"/events/{target.slug}/programme/import", data={
        "file": (io.BytesIO(first), "schedule.json"), "kind": "auto", "create_rooms": "y",
        "publish": "y", "action": "import"}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    second = json.loads(c.get(f"/events/{target.slug}/schedule.json").data)
    assert _errors(validator, second) == []
    assert _normalized(second) == _normalized(json.loads(first))
    # People are reused (same name and organization), not created again.
    assert [p["id"] for e in _events(second) for p in e["persons"]] == \
        [p["id"] for e in _events(json.loads(first)) for p in e["persons"]]


def test_frab_kind_reads_json_by_its_first_character(db, login_as, make_user, make_event,
                                                     programme):
    target = make_event(timezone=programme.timezone)
    c = login_as(make_user(organizer_of=[programme, target]))
    data = b"  \n" + c.get(f"/events/{programme.slug}/schedule.json").data
    resp = c.post(f"/events/{target.slug}/programme/import", data={
        "file": (io.BytesIO(data), "export.txt"), "kind": "frab", "create_rooms": "y",
        "action": "check"}, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.text
    assert "11 sessions ready to import" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)
                             .where(ProgrammeSession.event_id == target.id)) == 0


def test_parse_json_reads_other_systems_and_old_exports():
    """pretalx-style persons (``name``), no ``end`` (``duration``), a plain person string,
    a local time without offset, the ``number`` key of our exports before the schema."""
    doc = {"schedule": {"version": "1", "conference": {"days": [{
        "index": 1, "date": "2030-10-27", "rooms": {"Hall": [
            {"title": " Panel ", "type": "talk", "track": "High-Level Panel", "number": 4,
             "date": "2030-10-27T02:30:00", "duration": "01:15",
             "persons": [{"name": "Ann"}, "Bob (ITU (UN)) [moderator]"]},
            {"title": "Spot", "type": "spotlight", "subtitle": "Spotlight Session 2",
             "start": "09:00", "duration": "0:30", "persons": []}]}}]}}}
    plan = frab.parse_json(json.dumps(doc, indent=1), "Europe/Zurich")
    assert plan.ok, plan.problems
    a, b = plan.sessions
    assert (a.type, a.number, a.title, a.room) == (SessionType.HIGH_LEVEL_PANEL, 4, "Panel",
                                                   "Hall")
    # A local time repeated by the change takes its first (summer time) occurrence.
    assert a.starts_at == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert a.ends_at - a.starts_at == timedelta(minutes=75)
    assert [(p.name, p.organization, p.role.value) for p in a.people] == [
        ("Ann", "", "speaker"), ("Bob", "ITU (UN)", "moderator")]
    assert (b.number, b.starts_at) == (2, datetime(2030, 10, 27, 8, 0, tzinfo=UTC))


GOOD_EVENT = {"title": "Fine", "type": "keynote", "date": "2030-10-26T10:00:00+02:00",
              "end": "2030-10-26T11:00:00+02:00", "persons": []}


def _doc_with(*events, room="Hall"):
    return json.dumps({"schedule": {"conference": {"days": [
        {"index": 1, "date": "2030-10-26", "rooms": {room: list(events)}}]}}}, indent=1)


@pytest.mark.parametrize(("text", "line", "words"), [
    ('{"schedule": {\n  "conference": [}', 2, "not valid JSON"),
    ("", 1, "not valid JSON"),
    ('{"a": "x\u0000y"}', 1, "NUL"),
    ('{"a":\n "\ud800"}', 2, "lone surrogate"),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), 1, "nested too deeply"),
    ('{"rss": {"channel": []}}', 1, "not a frab schedule.json"),
    ("[1, 2]", 1, "not a frab schedule.json"),
    (_doc_with(), 3, "no events"),
    (_doc_with(dict(GOOD_EVENT), {**GOOD_EVENT, "title": "Bad", "type": "lecture"}),
     17, "day 1, room “Hall”, event 2 (“Bad”): type: Unknown session type. Use one of:"),
    (_doc_with({**GOOD_EVENT, "end": "2030-10-26T09:00:00+02:00"}), 10,
     "event 1 (“Fine”): the session ends before it starts"),
    (_doc_with({**GOOD_EVENT, "date": "2031-03-30T02:30:00"}), 10,
     "date: 2031-03-30 02:30 does not exist in Europe/Zurich"),
    (_doc_with({**GOOD_EVENT, "date": "tomorrow"}), 10, "date: Not an ISO 8601 date"),
    (_doc_with({**GOOD_EVENT, "end": None, "duration": "soon"}), 10,
     "duration: “soon” is not HH:MM"),
    (_doc_with({**GOOD_EVENT, "title": 5}), 10, "event 1: title: expected text"),
    (_doc_with({**GOOD_EVENT, "title": "a\u0000b"}), 10, "title: This text contains a NUL"),
    (_doc_with({**GOOD_EVENT, "persons": [{"public_name": "X", "role": "juggler"}]}), 16,
     "person 1: role: Unknown role. Use one of: moderator"),
    (_doc_with({**GOOD_EVENT, "persons": [{"public_name": "X"}, {"name": "x"}]}), 10,
     "persons: x is listed twice"),
    (_doc_with({**GOOD_EVENT, "persons": {"a": 1}}), 10, "persons: expected a list"),
    (_doc_with({**GOOD_EVENT, "persons": [7]}), 10, "person 1: expected an object or a text"),
    (_doc_with(7), 5, "event 1: expected an object"),
    (json.dumps({"schedule": {"conference": {"days": [{"rooms": []}]}}}), 1,
     "day 1: expected an object with \"rooms\""),
])
def test_bad_json_is_refused_by_line_and_entry(text, line, words):
    plan = frab.parse_json(text, "Europe/Zurich")
    assert not plan.ok
    assert any(n == line and words in m for n, m in plan.problems), plan.problems


def test_too_large_and_not_utf8_are_refused():
    assert "too large" in frab.parse_json(b" " * (frab.MAX_JSON_BYTES + 1), "UTC").problems[0][1]
    assert frab.parse_json(b'{\n"a": "\xff"}', "UTC").problems == [
        (2, "The file is not UTF-8 text.")]


def test_bad_json_upload_is_a_422_listing_the_problems(db, login_as, make_user, programme):
    c = login_as(make_user(organizer_of=programme))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession))
    for body, words in ((b'{"schedule": {\n  "conference": [}', "Line 2: This is not valid JSON"),
                        (("[" * 200).encode(), "nested too deeply"),
                        (b'{"schedule": {"x": "\\u0000"}}', "not a frab schedule.json"),
                        (_doc_with({**GOOD_EVENT, "type": "x"}).encode(),
                         "Line 10: day 1, room “Hall”, event 1 (“Fine”): type: Unknown session type")):
        resp = c.post(f"/events/{programme.slug}/programme/import", data={
            "file": (io.BytesIO(body), "schedule.json"), "kind": "auto", "action": "import"},
            content_type="multipart/form-data")
        assert resp.status_code == 422, body
        assert words in resp.text.replace("&#34;", '"'), words
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == before
