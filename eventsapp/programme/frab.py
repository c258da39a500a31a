"""frab/Pentabarf interchange: ``schedule.xml`` (valid against the C3VOC XSD), the
frab-style ``schedule.json``, and reading a ``schedule.xml`` into an import plan.

The XSD allows a person only a text and an id, so a person is written as
``Name (Organization) [role]`` (the CSV notation), which reads back exactly; a plain
name from another frab system reads as a speaker without organization.
Stream links are never written.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from lxml import etree

from ..errors import DomainError
from .importing import ImportPlan, PlannedSession, format_people, parse_people
from .services import parse_session_type
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


def export_json(event, sessions, *, host: str, session_url: Callable[[object], str]) -> dict:
    """The programme as frab-style schedule.json (with roles and organizations)."""
    tz = event.tz
    first = event.starts_at.astimezone(tz).date()
    last = event.ends_at.astimezone(tz).date()
    days = []
    for index, (day, items) in enumerate(_days(event, sessions), start=1):
        rooms: dict[str, list] = {}
        for s in items:
            local = s.starts_at.astimezone(tz)
            room = s.room.name if s.room else ""
            rooms.setdefault(room, []).append({
                "id": s.id, "guid": _guid(host, s.id), "date": local.isoformat(),
                "start": local.strftime("%H:%M"), "duration": hhmm(s.ends_at - s.starts_at),
                "end": s.ends_at.astimezone(tz).isoformat(),
                "room": room, "slug": f"{event.slug}-{s.id}", "url": session_url(s),
                "title": s.title, "subtitle": s.label, "track": s.type.label,
                "type": s.type.value, "number": s.number, "language": "en",
                "abstract": "", "description": s.description or "",
                "persons": [{"id": r.person_id, "public_name": r.person.name,
                             "organization": r.person.organization,
                             "position": r.person.position, "role": r.role.value}
                            for r in sorted(s.roles, key=lambda x: (x.position, x.id))],
                "links": [{"url": session_url(s), "title": "Session page"}],
            })
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        days.append({"index": index, "date": day.isoformat(), "day_start": start.isoformat(),
                     "day_end": (start + timedelta(days=1)).isoformat(), "rooms": rooms})
    return {"schedule": {
        "version": str(event.programme_version),
        "conference": {
            "acronym": event.slug, "title": event.title, "start": first.isoformat(),
            "end": last.isoformat(), "daysCount": (last - first).days + 1,
            "timeslot_duration": "00:05", "time_zone_name": event.timezone,
            "rooms": sorted({s.room.name for s in sessions if s.room}),
            "days": days,
        },
    }}


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


def _event(ev, room_el, day_date, zone: str, tz, plan: ImportPlan) -> None:
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


__all__ = ["export_json", "export_xml", "format_people", "parse_xml"]
