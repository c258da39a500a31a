"""frab/Pentabarf interchange: ``schedule.xml`` (valid against the C3VOC XSD), the
frab-style ``schedule.json``, and reading a ``schedule.xml`` into an import plan.

The XSD allows a person only a text and an id, so a person is written as
``Name (Organization) [role]`` (the CSV notation), which reads back exactly; a plain
name from another frab system reads as a speaker without organization.
Stream links are never written.
"""
from __future__ import annotations

import json
import re
import uuid
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import groupby
from json.decoder import JSONObject  # type: ignore[attr-defined]  # public, not in typeshed
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from zoneinfo import ZoneInfo

from lxml import etree

from ..errors import DomainError
from ..guards import DB_INT_MAX, MAX_JSON_DEPTH, bad_text, json_depth
from ..instants import parse_iso
from ..models import RoleKind
from .importing import ImportPlan, PlannedPerson, PlannedSession, format_people, parse_people
from .services import parse_role, parse_session_type
from .timeconv import InvalidInstant, hhmm, local_to_utc

GUID_NS = uuid.UUID("6f2b1f64-5d38-4c55-9a55-0f3c1f6e2a10")
MAX_XML_BYTES = 10 * 1024 * 1024


def _guid(host: str, session_id: int) -> str:
    return str(uuid.uuid5(GUID_NS, f"session-{session_id}@{host}"))


def _days(event, sessions):
    tz = event.tz
    return [(d, list(items)) for d, items in
            groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())]


def _person_text(r) -> str:
    p = r.person
    org = f" ({p.organization})" if p.organization else ""
    return f"{p.name}{org} [{r.role.value}]"


def export_xml(event, sessions, *, host: str, session_url: Callable[[object], str]) -> bytes:
    """The programme as frab schedule.xml."""
    tz = event.tz
    root = etree.Element("schedule")
    etree.SubElement(root, "version").text = str(event.programme_version)
    conf = etree.SubElement(root, "conference")
    first = event.starts_at.astimezone(tz).date()
    last = event.ends_at.astimezone(tz).date()
    etree.SubElement(conf, "title").text = event.title
    etree.SubElement(conf, "acronym").text = event.slug
    etree.SubElement(conf, "start").text = first.isoformat()
    etree.SubElement(conf, "end").text = last.isoformat()
    etree.SubElement(conf, "days").text = str((last - first).days + 1)
    etree.SubElement(conf, "timeslot_duration").text = "00:05"
    for index, (day, items) in enumerate(_days(event, sessions), start=1):
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        d = etree.SubElement(root, "day", index=str(index), date=day.isoformat(),
                             start=start.isoformat(), end=end.isoformat())
        by_room = sorted(items, key=lambda s: ((s.room.name if s.room else ""), s.starts_at, s.id))
        for room_name, room_items in groupby(by_room, key=lambda s: s.room.name if s.room else ""):
            r = etree.SubElement(d, "room", name=room_name)
            for s in room_items:
                local = s.starts_at.astimezone(tz)
                ev = etree.SubElement(r, "event", id=str(s.id), guid=_guid(host, s.id))
                etree.SubElement(ev, "date").text = local.isoformat()
                etree.SubElement(ev, "start").text = local.strftime("%H:%M")
                etree.SubElement(ev, "duration").text = hhmm(s.ends_at - s.starts_at)
                etree.SubElement(ev, "room").text = room_name
                etree.SubElement(ev, "slug").text = f"{event.slug}-{s.id}"
                etree.SubElement(ev, "title").text = s.title
                etree.SubElement(ev, "subtitle").text = s.label
                etree.SubElement(ev, "track").text = s.type.label
                etree.SubElement(ev, "type").text = s.type.value
                etree.SubElement(ev, "language").text = "en"
                etree.SubElement(ev, "abstract").text = ""
                etree.SubElement(ev, "description").text = s.description or ""
                persons = etree.SubElement(ev, "persons")
                for role in sorted(s.roles, key=lambda x: (x.position, x.id)):
                    etree.SubElement(persons, "person", id=str(role.person_id)).text = \
                        _person_text(role)
                links = etree.SubElement(ev, "links")
                etree.SubElement(links, "link", href=session_url(s)).text = "Session page"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# The c3voc schedule JSON schema (validator/json/schema.json of voc/schedule) allows an
# acronym of lower-case letters, digits and underscores with at most one dash, and a time
# zone name only of the shape Area/Location or UTC.
ACRONYM_RE = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
ZONE_NAME_RE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
SCHEMA_URL = "https://c3voc.de/schedule/schema.json"


def _room_guid(host: str, room_id: int) -> str:
    return str(uuid.uuid5(GUID_NS, f"room-{room_id}@{host}"))


def acronym(slug: str) -> str:
    """The event's short name as a c3voc acronym: our slugs use dashes, which the schema
    allows only before a year suffix, so every dash becomes an underscore."""
    text = re.sub(r"[^a-z0-9_]", "_", slug.lower()).ljust(4, "_")
    return text if ACRONYM_RE.match(text) else "event"


def _session_slug(event_slug: str, session_id: int) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", event_slug.lower())
    return f"{base}-{session_id}"


def _json_event(event, s, *, host: str, session_url: Callable[[object], str]) -> dict:
    """One session as a c3voc Event. Events allow no extra keys, so what is ours goes in
    the fields meant for it: the session type in ``type`` (its value) and ``track`` (its
    label), the number in ``subtitle`` ("High-Level Panel 3", as in schedule.xml); people
    are frab persons (``id`` and ``public_name``), which allow extra keys, so their role
    and organization stay there."""
    tz = event.tz
    local = s.starts_at.astimezone(tz)
    room = s.room.name if s.room else ""
    return {
        "id": s.id, "guid": _guid(host, s.id), "date": local.isoformat(),
        "start": local.strftime("%H:%M"), "duration": hhmm(s.ends_at - s.starts_at),
        "end": s.ends_at.astimezone(tz).isoformat(),
        "room": room, "slug": _session_slug(event.slug, s.id), "url": session_url(s),
        "title": s.title, "subtitle": s.label, "track": s.type.label,
        "type": s.type.value, "language": "en",
        "abstract": "", "description": s.description or "",
        "persons": [{"id": r.person_id, "public_name": r.person.name,
                     "organization": r.person.organization,
                     "position": r.person.position, "role": r.role.value}
                    for r in sorted(s.roles, key=lambda x: (x.position, x.id))],
        "links": [{"url": session_url(s), "title": "Session page"}],
    }


def export_json(event, sessions, *, host: str, session_url: Callable[[object], str]) -> dict:
    """The programme as frab-style schedule.json, valid against the c3voc schema (with
    session types, numbers, roles and organizations kept in the fields it allows)."""
    tz = event.tz
    first = event.starts_at.astimezone(tz).date()
    last = event.ends_at.astimezone(tz).date()
    days = []
    for index, (day, items) in enumerate(_days(event, sessions), start=1):
        rooms: dict[str, list] = {}
        for s in items:
            rooms.setdefault(s.room.name if s.room else "", []).append(
                _json_event(event, s, host=host, session_url=session_url))
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        days.append({"index": index, "date": day.isoformat(), "day_start": start.isoformat(),
                     "day_end": (start + timedelta(days=1)).isoformat(), "rooms": rooms})
    used = {s.room.id: s.room for s in sessions if s.room}
    conference = {
        "acronym": acronym(event.slug), "title": event.title, "start": first.isoformat(),
        "end": last.isoformat(), "daysCount": (last - first).days + 1,
        "timeslot_duration": "00:05",
        "rooms": [{"name": r.name, "guid": _room_guid(host, r.id)}
                  for r in sorted(used.values(), key=lambda r: (r.name, r.id))],
        "days": days,
    }
    # A zone the schema's pattern refuses (Etc/GMT+3, EST5EDT) still
    # travels, in ``meta``, which allows anything.
    if ZONE_NAME_RE.search(event.timezone):
        conference["time_zone_name"] = event.timezone
    else:
        conference["meta"] = {"time_zone_name": event.timezone}
    return {"$schema": SCHEMA_URL, "generator": {"name": "eventsapp"},
            "schedule": {"version": str(event.programme_version), "conference": conference}}


# ------------------------------------------------------------------ import

def _child_text(el, name: str) -> str:
    child = el.find(name)
    return (child.text or "").strip() if child is not None and child.text else ""


def _duration(text: str) -> timedelta | None:
    m = re.fullmatch(r"(\d{1,3}):(\d{2})(?::(\d{1,2}))?", text.strip())
    if not m:
        return None
    return timedelta(hours=int(m.group(1)), minutes=int(m.group(2)),
                     seconds=int(m.group(3) or 0))


def parse_xml(data: bytes, zone: str) -> ImportPlan:
    """Read a frab schedule.xml; anything else is refused with a clear message."""
    plan = ImportPlan()
    if len(data) > MAX_XML_BYTES:
        plan.problem(1, "The file is too large.")
        return plan
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        plan.problem(exc.lineno or 1, f"This is not well-formed XML: {exc.msg}.")
        return plan
    if root.tag != "schedule":
        plan.problem(root.sourceline or 1,
                     f"This is not a frab schedule.xml: the root element is <{root.tag}>, "
                     "expected <schedule> with <conference> and <day> elements.")
        return plan
    if root.find("conference") is None:
        plan.problem(root.sourceline or 1,
                     "This is not a frab schedule.xml: <conference> is missing.")
        return plan
    tz = ZoneInfo(zone)
    for day in root.findall("day"):
        day_date = None
        try:
            day_date = date.fromisoformat(day.get("date", ""))
        except ValueError:
            pass
        for room_el in day.findall("room"):
            for ev in room_el.findall("event"):
                _event(ev, room_el, day_date, zone, tz, plan)
    if not plan.sessions and not plan.problems:
        plan.problem(root.sourceline or 1, "The schedule has no events.")
    return plan


def _event(ev, room_el, day_date, zone: str, tz, plan: ImportPlan) -> None:  # noqa: C901
    line = ev.sourceline or 1
    before = len(plan.problems)
    title = _child_text(ev, "title")
    if not title:
        plan.problem(line, "title: missing.")
    elif len(title) > 300:
        plan.problem(line, "title: longer than 300 characters.")
    stype = None
    type_text = _child_text(ev, "type")
    for candidate in (type_text, _child_text(ev, "track")):
        try:
            stype = parse_session_type(candidate)
            break
        except DomainError:
            continue
    if stype is None:
        plan.problem(line, f"type: unknown session type “{type_text}”.")
    starts = None
    date_text = _child_text(ev, "date")
    start_text = _child_text(ev, "start")
    try:
        if date_text:
            when = datetime.fromisoformat(date_text)
            if when.tzinfo is None:
                starts = local_to_utc(when.date(), when.time(), zone)
            else:
                starts = when.astimezone(ZoneInfo("UTC"))
        elif day_date and start_text:
            t = datetime.strptime(start_text[:5], "%H:%M").time()
            starts = local_to_utc(day_date, t, zone)
        else:
            plan.problem(line, "date: neither <date> nor a day date with <start>.")
    except InvalidInstant as exc:
        plan.problem(line, f"start: {exc}")
    except ValueError:
        plan.problem(line, f"date: “{date_text or start_text}” is not a date and time.")
    duration = _duration(_child_text(ev, "duration"))
    if duration is None:
        plan.problem(line, f"duration: “{_child_text(ev, 'duration')}” is not HH:MM.")
    elif duration <= timedelta(0):
        plan.problem(line, "duration: the session ends before it starts.")
    room = _child_text(ev, "room") or (room_el.get("name") or "").strip()
    number = None
    subtitle = _child_text(ev, "subtitle")
    if stype is not None:
        m = re.fullmatch(re.escape(stype.label) + r"\s+(\d{1,3})", subtitle, re.IGNORECASE)
        if m:
            number = int(m.group(1))
    description = _child_text(ev, "description") or _child_text(ev, "abstract")
    people = []
    persons = ev.find("persons")
    if persons is not None:
        texts = [(p.text or "").strip() for p in persons.findall("person")]
        for text in texts:
            people.extend(parse_people(text.replace(";", ","), line, plan))
        names = [(p.name.lower(), p.organization.lower()) for p in people]
        if len(names) != len(set(names)):
            plan.problem(line, "persons: someone is listed twice.")
    if len(plan.problems) == before:
        plan.sessions.append(PlannedSession(line, stype, number, title, description, room,
                                            starts, starts + duration, people))


# ------------------------------------------------------------------ JSON import

MAX_JSON_BYTES = MAX_XML_BYTES


class _Obj(dict):
    """A JSON object that remembers the line it starts on (for the problem list)."""

    line = 1


class _LineDecoder(json.JSONDecoder):
    """``json.loads`` with objects that know their line: the pure-Python scanner calls
    ``parse_object`` with the offset of each ``{`` (the C scanner does not). Nesting is
    bounded before parsing, so its recursion is too."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._newlines: list[int] = []

        def parse_object(s_and_end, *args, **kwargs):
            obj, end = JSONObject(s_and_end, *args, **kwargs)
            out = _Obj(obj)
            out.line = bisect_right(self._newlines, s_and_end[1] - 1) + 1  # the "{"
            return out, end

        self.parse_object = parse_object
        self.scan_once = py_make_scanner(self)

    def decode(self, s, *args, **kwargs):
        self._newlines = [m.start() for m in re.finditer("\n", s)]
        return super().decode(s, *args, **kwargs)


def _line(value, default: int) -> int:
    return getattr(value, "line", default)


def _json_text(data: bytes | str, plan: ImportPlan) -> str | None:
    """The file as text, or None with the problem noted: too large, not UTF-8, a NUL or a
    lone surrogate, nested too deeply."""
    if len(data) > MAX_JSON_BYTES:
        plan.problem(1, "The file is too large.")
        return None
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            plan.problem(raw.count(b"\n", 0, exc.start) + 1, "The file is not UTF-8 text.")
            return None
    why = bad_text(data)
    if why:
        bad = next((i for i, ch in enumerate(data)
                    if ch == "\x00" or "\ud800" <= ch <= "\udfff"), 0)
        plan.problem(data.count("\n", 0, bad) + 1, why)
        return None
    if json_depth(data) > MAX_JSON_DEPTH:
        plan.problem(1, f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
        return None
    return data


def parse_json(data: bytes | str, zone: str) -> ImportPlan:
    """Read a frab/c3voc schedule.json (ours or another system's) into an import plan;
    every problem is named by its line and its entry (day, room, event)."""
    plan = ImportPlan()
    text = _json_text(data, plan)
    if text is None:
        return plan
    try:
        doc = json.loads(text, cls=_LineDecoder)
    except json.JSONDecodeError as exc:
        plan.problem(exc.lineno, f"This is not valid JSON: {exc.msg} (column {exc.colno}).")
        return plan
    except (ValueError, RecursionError):
        plan.problem(1, "This is not valid JSON.")
        return plan
    schedule = doc.get("schedule") if isinstance(doc, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    days = conference.get("days") if isinstance(conference, dict) else None
    if not isinstance(days, list):
        plan.problem(_line(conference or schedule or doc, 1),
                     "This is not a frab schedule.json: expected "
                     "{\"schedule\": {\"conference\": {\"days\": [...]}}}.")
        return plan
    line = _line(conference, 1)
    for di, day in enumerate(days, start=1):
        line = _line(day, line)
        rooms = day.get("rooms") if isinstance(day, dict) else None
        if not isinstance(rooms, dict):
            plan.problem(line, f"day {di}: expected an object with \"rooms\".")
            continue
        day_date = None
        if isinstance(day.get("date"), str):
            try:
                day_date = date.fromisoformat(day["date"])
            except ValueError:
                pass
        for room_key, items in rooms.items():
            where = f"day {di}, room “{room_key}”"
            if not isinstance(items, list):
                plan.problem(line, f"{where}: expected a list of events.")
                continue
            for ei, ev in enumerate(items, start=1):
                _json_event_plan(ev, f"{where}, event {ei}", room_key, day_date, zone,
                                 _line(ev, line), plan)
    if not plan.sessions and not plan.problems:
        plan.problem(_line(conference, 1), "The schedule has no events.")
    return plan


def _field(ev: dict, key: str, where: str, line: int, plan: ImportPlan) -> str:
    """A text field of an event: absent and null read as empty; anything else that is not
    text is a problem (noted, then read as empty)."""
    value = ev.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        plan.problem(line, f"{where}: {key}: expected text.")
        return ""
    return value


def _json_when(ev: dict, where: str, day_date, zone: str, line: int, plan: ImportPlan):
    """The start and end instants (UTC) of an event: ``date`` (or the day's date with
    ``start``), then ``end`` (or ``duration``)."""
    date_text = _field(ev, "date", where, line, plan)
    start_text = _field(ev, "start", where, line, plan)
    starts = ends = None
    try:
        if date_text:
            starts = parse_iso(date_text, zone)
        elif day_date and start_text:
            t = datetime.strptime(start_text[:5], "%H:%M").time()
            starts = local_to_utc(day_date, t, zone)
        else:
            plan.problem(line, f"{where}: date: neither “date” nor a day date with “start”.")
            return None, None
    except InvalidInstant as exc:
        plan.problem(line, f"{where}: date: {exc}")
        return None, None
    except ValueError:
        plan.problem(line, f"{where}: start: “{start_text}” is not HH:MM.")
        return None, None
    end_text = _field(ev, "end", where, line, plan)
    if end_text:
        try:
            ends = parse_iso(end_text, zone)
        except InvalidInstant as exc:
            plan.problem(line, f"{where}: end: {exc}")
            return None, None
    else:
        duration_text = _field(ev, "duration", where, line, plan)
        duration = _duration(duration_text)
        if duration is None:
            plan.problem(line, f"{where}: duration: “{duration_text}” is not HH:MM.")
            return None, None
        ends = starts + duration
    if ends <= starts:
        plan.problem(line, f"{where}: the session ends before it starts.")
        return None, None
    return starts, ends


def _json_person(p, where: str, line: int, plan: ImportPlan) -> PlannedPerson | None:
    if not isinstance(p, dict):
        plan.problem(line, f"{where}: expected an object or a text.")
        return None
    name = p.get("public_name") or p.get("name")
    org = p.get("organization") or ""
    role = p.get("role") or "speaker"
    if not (isinstance(name, str) and isinstance(org, str) and isinstance(role, str)):
        plan.problem(line, f"{where}: expected a text “public_name” (or “name”), "
                           "“organization” and “role”.")
        return None
    name, org = " ".join(name.split()), " ".join(org.split())
    try:
        kind = parse_role(role)
    except DomainError:
        allowed = ", ".join(r.value for r in RoleKind)
        plan.problem(line, f"{where}: unknown role “{role}” for {name} (use {allowed}).")
        return None
    why = bad_text(name) or bad_text(org)  # an escaped \u0000 passes the raw-text check
    if not name or len(name) > 200 or len(org) > 300 or why:
        plan.problem(line, f"{where}: {why or 'the name is empty or too long.'}")
        return None
    return PlannedPerson(name, org, kind)


def _json_people(persons, where: str, line: int, plan: ImportPlan) -> list:
    """frab persons (``public_name``) or pretalx ones (``name``), with our extra
    ``organization`` and ``role``; a plain string reads as ``Name (Organization) [role]``."""
    if persons is None:
        return []
    if not isinstance(persons, list):
        plan.problem(line, f"{where}: persons: expected a list.")
        return []
    people: list[PlannedPerson] = []
    for pi, p in enumerate(persons, start=1):
        if isinstance(p, str):
            people.extend(parse_people(p.replace(";", ","), line, plan))
            continue
        person = _json_person(p, f"{where}: person {pi}", _line(p, line), plan)
        if person is not None:
            people.append(person)
    keys = [(p.name.lower(), p.organization.lower()) for p in people]
    if len(keys) != len(set(keys)):
        plan.problem(line, f"{where}: persons: someone is listed twice.")
    return people


def _json_number(ev: dict, stype, subtitle: str) -> int | None:
    """The number travels in the subtitle ("High-Level Panel 3"), as in schedule.xml; an
    explicit integer "number" (our exports before the c3voc schema) is read too."""
    if type(ev.get("number")) is int:
        return ev["number"]
    if stype is None:
        return None
    m = re.fullmatch(re.escape(stype.label) + r"\s+(\d{1,6})", subtitle.strip(), re.IGNORECASE)
    return int(m.group(1)) if m else None


def _json_event_plan(ev, where: str, room_key: str, day_date, zone: str, line: int,
                     plan: ImportPlan) -> None:
    if not isinstance(ev, dict):
        plan.problem(line, f"{where}: expected an object.")
        return
    before = len(plan.problems)
    title = _field(ev, "title", where, line, plan).strip()
    if title:
        where = f"{where} (“{title[:60]}”)"
    if not title and isinstance(ev.get("title"), str | None):  # else already "expected text"
        plan.problem(line, f"{where}: title: missing.")
    elif len(title) > 300:
        plan.problem(line, f"{where}: title: longer than 300 characters.")
    stype = None
    type_text = _field(ev, "type", where, line, plan)
    for candidate in (type_text, _field(ev, "track", where, line, plan)):
        try:
            stype = parse_session_type(candidate)
            break
        except DomainError:
            continue
    if stype is None:
        plan.problem(line, f"{where}: type: unknown session type “{type_text}”.")
    starts, ends = _json_when(ev, where, day_date, zone, line, plan)
    room = (_field(ev, "room", where, line, plan) or room_key).strip()
    if len(room) > 200:
        plan.problem(line, f"{where}: room: longer than 200 characters.")
    number = _json_number(ev, stype, _field(ev, "subtitle", where, line, plan))
    if number is not None and not 0 < number <= DB_INT_MAX:
        plan.problem(line, f"{where}: number: out of range.")
    description = (_field(ev, "description", where, line, plan)
                   or _field(ev, "abstract", where, line, plan))
    people = _json_people(ev.get("persons"), where, line, plan)
    for key, value in (("title", title), ("room", room), ("description", description)):
        why = bad_text(value)
        if why:  # an escaped \u0000 or lone surrogate passes the raw-text check
            plan.problem(line, f"{where}: {key}: {why}")
    if len(plan.problems) == before and stype and starts and ends:
        plan.sessions.append(PlannedSession(line, stype, number, title, description, room,
                                            starts, ends, people))


__all__ = ["export_json", "export_xml", "format_people", "parse_json", "parse_xml"]
