"""frab/Pentabarf interchange out: ``schedule.xml`` (valid against the C3VOC XSD) and
the frab-style ``schedule.json``. Reading them back is ``frab_import``'s (re-exported
here as ``parse_xml`` and ``parse_json``).

The XSD allows a person only a text and an id, so a person is written as
``Name (Organization) [role]`` (the CSV notation), which reads back exactly; a plain
name from another frab system reads as a speaker without organization.
Stream links are never written.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import groupby

from flask_babel import gettext as _
from lxml import etree

from .frab_import import MAX_JSON_BYTES, MAX_XML_BYTES, parse_json, parse_xml
from .importing import format_people
from .timeconv import hhmm

GUID_NS = uuid.UUID("6f2b1f64-5d38-4c55-9a55-0f3c1f6e2a10")


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
                etree.SubElement(links, "link", href=session_url(s)).text = _("Session page")
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
        "links": [{"url": session_url(s), "title": _("Session page")}],
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


__all__ = ["MAX_JSON_BYTES", "MAX_XML_BYTES", "export_json", "export_xml", "format_people",
           "parse_json", "parse_xml"]
