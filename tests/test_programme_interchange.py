"""Interchange: frab schedule.xml (valid against the XSD) and JSON; imports from CSV
(dry run with every problem by line number, nothing until clean, one transaction) and
from frab XML; export then import gives back the same programme."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from lxml import etree

from eventsapp.models import Event, Person, ProgrammeSession, Room
from tests.support.programme_helpers import bulk_programme

XSD = Path("/work/shared/reference/frab-schedule.xsd")
ZRH = ZoneInfo("Europe/Zurich")


@pytest.fixture
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture
def source(make_event, make_room, make_person, make_session):
    start = datetime(2030, 10, 26, 9, 0, tzinfo=ZRH)
    event = make_event(timezone="Europe/Zurich", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2)).astimezone(UTC))
    hall, studio = make_room(event, "Popov Room"), make_room(event, "Studio & Co <B>")
    mod = make_person("Mia Moderator", "International Telecommunication Union (ITU)")
    p1, p2, p3 = (make_person(f"Panellist {i}", f"Org {i}") for i in (1, 2, 3))
    make_session(event, type="opening", number=None, title="Opening", room=hall,
                 starts_at=start, description="Welcome.\n\nTwo paragraphs, “quotes”, <tags>.",
                 people=[(mod, "host")])
    make_session(event, type="high_level_panel", number=3, title="Affordable access",
                 room=hall, starts_at=start + timedelta(hours=2),
                 people=[(mod, "moderator"), (p1, "panellist"), (p2, "panellist"),
                         (p3, "panellist")], stream_url="https://stream.example.org/SECRET")
    make_session(event, type="spotlight", number=1, title="Spotlight; one, two",
                 room=studio, starts_at=start + timedelta(hours=2))
    # Across the night the clocks go back (01:30 CEST to 03:30 CET, 3 hours).
    make_session(event, type="reception", number=None, title="Late reception", room=None,
                 starts_at=datetime(2030, 10, 26, 23, 30, tzinfo=UTC),
                 ends_at=datetime(2030, 10, 27, 2, 30, tzinfo=UTC))
    return event


def _shape(event_id, db):
    db.session.expire_all()
    out = []
    for s in db.session.scalars(sa.select(ProgrammeSession)
                                .where(ProgrammeSession.event_id == event_id)
                                .order_by(ProgrammeSession.starts_at, ProgrammeSession.title)):
        out.append((s.type.value, s.number, s.title, s.description,
                    s.room.name if s.room else None, s.starts_at, s.ends_at,
                    [(r.person.name, r.person.organization, r.role.value, r.position)
                     for r in s.roles]))
    return out


def test_schedule_xml_is_valid_frab(client, source, schema):
    resp = client.get(f"/events/{source.slug}/schedule.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    doc = etree.fromstring(resp.data)
    assert schema.validate(doc), schema.error_log
    assert b"SECRET" not in resp.data
    ev = doc.xpath("//event[title='Affordable access']")[0]
    assert ev.findtext("date") == "2030-10-26T11:00:00+02:00"
    assert ev.findtext("start") == "11:00" and ev.findtext("duration") == "00:45"
    assert next(p.text for p in ev.find("persons")) == \
        "Mia Moderator (International Telecommunication Union (ITU)) [moderator]"
    late = doc.xpath("//event[title='Late reception']")[0]
    assert late.findtext("duration") == "03:00"


def test_large_schedule_xml_is_valid(client, make_event, schema):
    event = make_event()
    bulk_programme(event, 300)
    doc = etree.fromstring(client.get(f"/events/{event.slug}/schedule.xml").data)
    assert schema.validate(doc), schema.error_log
    assert len(doc.xpath("//day/room/event")) == 300


def test_schedule_json(client, source):
    data = json.loads(client.get(f"/events/{source.slug}/schedule.json").data)
    conf = data["schedule"]["conference"]
    assert conf["time_zone_name"] == "Europe/Zurich"
    events = [e for d in conf["days"] for r in d["rooms"].values() for e in r]
    panel = next(e for e in events if e["title"] == "Affordable access")
    assert [(p["public_name"], p["role"]) for p in panel["persons"]][:2] == [
        ("Mia Moderator", "moderator"), ("Panellist 1", "panellist")]
    assert panel["date"] == "2030-10-26T11:00:00+02:00" and panel["subtitle"] == \
        "High-Level Panel 3"
    assert "SECRET" not in json.dumps(data)


def _target(make_event, source, **kw):
    return make_event(timezone=source.timezone, starts_at=source.starts_at,
                      ends_at=source.ends_at, **kw)


def test_csv_export_then_import_gives_the_same_programme(app, db, login_as, make_user,
                                                          make_event, source):
    target = _target(make_event, source)
    org = make_user(organizer_of=[source, target])
    c = login_as(org)
    csv_text = c.get(f"/events/{source.slug}/programme/export.csv").text
    assert csv_text.splitlines()[0] == \
        "\ufeffdate,start,end,room,type,number,title,description,people"
    people_before = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    resp = c.post(f"/events/{target.slug}/programme/import", data={
        "file": (io.BytesIO(csv_text.encode()), "programme.csv"), "kind": "auto",
        "create_rooms": "y", "action": "import"}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    assert _shape(target.id, db) == _shape(source.id, db)
    # One person record across sessions and events: nobody was created twice.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == people_before


def test_frab_export_then_import_gives_the_same_programme(app, db, login_as, make_user,
                                                          make_event, source):
    target = _target(make_event, source)
    org = make_user(organizer_of=[source, target])
    c = login_as(org)
    xml = c.get(f"/events/{source.slug}/schedule.xml").data
    resp = c.post(f"/events/{target.slug}/programme/import", data={
        "file": (io.BytesIO(xml), "schedule.xml"), "kind": "auto", "create_rooms": "y",
        "publish": "y", "action": "import"}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    assert _shape(target.id, db) == _shape(source.id, db)


BAD_CSV = (
    "date,start,end,room,type,number,title,description,people\n"
    "2030-10-26,09:00,10:00,Popov Room,opening,,Opening,,Ann Host (ITU) [host]\n"
    "2030-13-01,09:00,10:00,Popov Room,opening,,Bad date,,\n"
    "2030-10-26,11:00,10:00,Popov Room,keynote,,Ends before,,\n"
    "2030-10-26,11:00,12:00,Nowhere,keynote,,Unknown room,,\n"
    "2030-10-26,11:00,12:00,Popov Room,lecture,,Unknown type,,\n"
    "2030-10-26,11:00,12:00,Popov Room,keynote,x,Bad number,,\"Bob (Org) [juggler]\"\n"
    "2030-10-26,25:00,12:00,Popov Room,keynote,,Bad time,,\n"
    "2030-03-31,02:30,03:30,Popov Room,keynote,,DST gap,,\n"
)


def test_csv_dry_run_lists_every_problem_by_line_and_imports_nothing(db, login_as, make_user,
                                                                    source):
    c = login_as(make_user(organizer_of=source))
    before = _shape(source.id, db)
    for action in ("check", "import"):
        resp = c.post(f"/events/{source.slug}/programme/import", data={
            "file": (io.BytesIO(BAD_CSV.encode()), "p.csv"), "kind": "csv",
            "action": action}, content_type="multipart/form-data")
        assert resp.status_code == 422
        text = resp.text
        for line, words in ((3, "is not a date"), (4, "ends before it starts"),
                            (5, "unknown room"), (6, "Unknown session type. Use one of:"),
                            (7, "number: Not a valid integer."),
                            (7, "role: Unknown role. Use one of:"),
                            (8, "not a time"), (9, "does not exist in Europe/Zurich")):
            assert f"Line {line}: " in text, line
            assert words in text, words
        assert "Line 2:" not in text
        assert "nothing was imported" in text
    assert _shape(source.id, db) == before


def test_csv_wrong_columns(login_as, make_user, source):
    c = login_as(make_user(organizer_of=source))
    resp = c.post(f"/events/{source.slug}/programme/import", data={
        "file": (io.BytesIO(b"when,what\n2030-01-01,x\n"), "p.csv"), "kind": "csv",
        "action": "check"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Line 1: unknown column(s): when, what" in resp.text
    assert "missing column(s): date, start, end, type, title" in resp.text


def test_clean_dry_run_then_confirm(db, login_as, make_user, source):
    c = login_as(make_user(organizer_of=source))
    good = BAD_CSV.splitlines()[0] + "\n" + BAD_CSV.splitlines()[1] + "\n"
    resp = c.post(f"/events/{source.slug}/programme/import", data={
        "file": (io.BytesIO(good.encode()), "p.csv"), "kind": "csv", "action": "check"},
        content_type="multipart/form-data")
    assert resp.status_code == 200 and "1 session ready to import" in resp.text
    n = len(_shape(source.id, db))
    assert len(_shape(source.id, db)) == n  # the dry run wrote nothing
    resp = c.post(f"/events/{source.slug}/programme/import", data={
        "content": good, "filename": "p.csv", "kind": "csv", "replace": "y",
        "action": "import"})
    assert resp.status_code == 302
    shape = _shape(source.id, db)
    assert [s[2] for s in shape] == ["Opening"] and shape[0][7] == [("Ann Host", "ITU", "host", 0)]


def test_xml_that_is_not_frab_is_refused(db, login_as, make_user, source):
    c = login_as(make_user(organizer_of=source))
    for body, words in ((b"<?xml version='1.0'?>\n<rss><channel/></rss>",
                         "not a frab schedule.xml: the root element is &lt;rss&gt;"),
                        (b"<schedule><day>", "not well-formed XML"),
                        ((b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><schedule>"
                          b"<conference><title>&e;</title></conference></schedule>"),
                         "no events")):
        resp = c.post(f"/events/{source.slug}/programme/import", data={
            "file": (io.BytesIO(body), "s.xml"), "kind": "frab", "action": "import"},
            content_type="multipart/form-data")
        assert resp.status_code == 422, body
        assert words in resp.text, words
        assert "root:" not in resp.text


def test_import_is_one_transaction(app, db, source, monkeypatch):
    from eventsapp.programme import csv_io, importing

    plan = csv_io.parse_csv(
        "date,start,end,room,type,number,title,description,people\n"
        "2030-10-26,09:00,10:00,New Room,opening,,A,,Zed (Org) [host]\n"
        "2030-10-26,10:00,11:00,New Room,keynote,,B,,\n", source.timezone)
    assert plan.ok
    def failing_bump(event):
        db.session.flush()  # everything is written... then the transaction fails
        assert db.session.scalar(sa.select(Room).where(Room.name == "New Room"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "bump", failing_bump)
    before = _shape(source.id, db)
    with pytest.raises(RuntimeError):
        importing.apply_plan(source, plan, create_rooms=True, replace=True)
    db.session.rollback()
    assert _shape(source.id, db) == before
    assert not db.session.scalar(sa.select(Room).where(Room.name == "New Room"))
    assert not db.session.scalar(sa.select(Person).where(Person.name == "Zed"))
    assert db.session.get(Event, source.id)


# ------------------------------------------------------------------ export cache and ETags

def _stub_event(n: int, version: int = 1):
    from types import SimpleNamespace
    return SimpleNamespace(id=n, created_at=None, programme_version=version)


def test_export_cache_is_bounded_by_entries_and_bytes(app, monkeypatch):
    from eventsapp.programme import exports

    with app.test_request_context():
        exports.clear_cache()
        builds = []

        def build(value):
            def make():
                builds.append(1)
                return value
            return make

        assert exports.cached("k", _stub_event(1), build(b"a")) == b"a"
        assert exports.cached("k", _stub_event(1), build(b"other")) == b"a"  # a hit
        assert exports.cached("k", _stub_event(1, version=2), build(b"b")) == b"b"  # new version
        assert len(builds) == 2
        # At most CACHE_SIZE small entries: the least recently used goes first.
        for i in range(exports.CACHE_SIZE + 5):
            exports.cached("many", _stub_event(100 + i), build(b"x"))
        assert len(exports._CACHE) == exports.CACHE_SIZE
        # An entry larger than the whole budget is built, served, and not kept.
        huge = b"h" * (exports.CACHE_BYTES + 1)
        assert exports.cached("huge", _stub_event(1), build(huge)) is huge
        assert exports.cached("huge", _stub_event(1), build(b"again")) == b"again"
        # Big entries are bounded by bytes: two of 30 MB do not fit in 48 MB.
        big = b"b" * (30 * 1024 * 1024)
        exports.cached("big", _stub_event(1), build(big))
        exports.cached("big", _stub_event(2), build(big))
        assert exports._CACHE.currsize <= exports.CACHE_BYTES
        assert sum(1 for k in exports._CACHE if k[0] == "big") == 1
        exports.clear_cache()
        assert len(exports._CACHE) == 0


def test_concurrent_requests_build_a_missing_entry_once(app):
    import threading

    from eventsapp.programme import exports

    exports.clear_cache()
    started, release, calls, results = threading.Event(), threading.Event(), [], []

    def build():
        calls.append(1)
        started.set()
        release.wait(5)
        return b"built"

    def worker():
        with app.test_request_context():
            results.append(exports.cached("stampede", _stub_event(7), build))

    threads = [threading.Thread(target=worker) for _ in range(5)]
    threads[0].start()
    assert started.wait(5)
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(5)
    assert results == [b"built"] * 5 and len(calls) == 1
    exports.clear_cache()


@pytest.mark.parametrize(("header", "status"), [
    (None, None), ('"{tag}"', 304), ('W/"{tag}"', 304), ('"other", "{tag}"', 304),
    ("*", 304), ('"other"', None)])
def test_not_modified_compares_etags_as_werkzeug_does(app, header, status):
    from eventsapp.programme import exports

    event = _stub_event(3)
    tag = exports.etag_for("ics", event)
    headers = {"If-None-Match": header.format(tag=tag)} if header else {}
    with app.test_request_context(headers=headers):
        resp = exports.not_modified("ics", event)
    assert (resp and resp.status_code) == status
    if resp:
        assert resp.get_etag() == (tag, False)
