"""Reading frab interchange files into an import plan: ``schedule.xml`` and the
frab/c3voc ``schedule.json`` (ours or another system's). Each event's values go through
the programme's field rules (``schemas.SessionRowSchema``, ``PersonRowSchema``), so a
title, a type, a number or a room name is refused with the same message as anywhere."""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from datetime import date, datetime, timedelta
from json.decoder import JSONObject  # type: ignore[attr-defined]  # public, not in typeshed
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from lxml import etree

from ..guards import MAX_JSON_DEPTH, bad_text, json_depth
from ..inputs import parse_choice
from ..instants import parse_iso
from ..models import SessionType
from .importing import (
    ImportPlan,
    PlannedPerson,
    parse_people,
    planned_person,
    planned_session,
    unique_people,
)
from .timeconv import InvalidInstant, local_to_utc

MAX_XML_BYTES = 10 * 1024 * 1024
MAX_JSON_BYTES = MAX_XML_BYTES


def _duration(text: str) -> timedelta | None:
    m = re.fullmatch(r"(\d{1,3}):(\d{2})(?::(\d{1,2}))?", text.strip())
    if not m:
        return None
    return timedelta(hours=int(m.group(1)), minutes=int(m.group(2)),
                     seconds=int(m.group(3) or 0))


def _type_text(type_text: str, track: str) -> str:
    """The text naming the session type: ``type``, else a ``track`` that names one (other
    systems put it there); the schema refuses it if neither does."""
    if parse_choice(SessionType, type_text) is None and parse_choice(SessionType, track):
        return track
    return type_text


def _number(type_text: str, subtitle: str) -> int | None:
    """The number travels in the subtitle ("High-Level Panel 3"); its range is the
    schema's."""
    stype = parse_choice(SessionType, type_text)
    if stype is None:
        return None
    m = re.fullmatch(re.escape(stype.label) + r"\s+(\d{1,6})", subtitle.strip(), re.IGNORECASE)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ schedule.xml

def _child_text(el: Any, name: str) -> str:
    child = el.find(name)
    return (child.text or "").strip() if child is not None and child.text else ""


def parse_xml(data: bytes, zone: str) -> ImportPlan:
    """Read a frab schedule.xml; anything else is refused with a clear message."""
    plan = ImportPlan()
    root = _xml_root(data, plan)
    if root is None:
        return plan
    for day in root.findall("day"):
        day_date = None
        try:
            day_date = date.fromisoformat(day.get("date", ""))
        except ValueError:
            pass
        for room_el in day.findall("room"):
            for ev in room_el.findall("event"):
                _xml_event(ev, room_el, day_date, zone, plan)
    if not plan.sessions and not plan.problems:
        plan.problem(root.sourceline or 1, _("The schedule has no events."))
    return plan


def _xml_root(data: bytes, plan: ImportPlan) -> Any:
    if len(data) > MAX_XML_BYTES:
        plan.problem(1, _("The file is too large."))
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        plan.problem(exc.lineno or 1, _("This is not well-formed XML: %(error)s.", error=exc.msg))
        return None
    if root.tag != "schedule":
        plan.problem(root.sourceline or 1,
                     _("This is not a frab schedule.xml: the root element is <%(tag)s>, "
                       "expected <schedule> with <conference> and <day> elements.",
                       tag=root.tag))
        return None
    if root.find("conference") is None:
        plan.problem(root.sourceline or 1,
                     _("This is not a frab schedule.xml: <conference> is missing."))
        return None
    return root


def _xml_start(ev: Any, day_date: date | None, zone: str, line: int,
               plan: ImportPlan) -> datetime | None:
    date_text = _child_text(ev, "date")
    start_text = _child_text(ev, "start")
    try:
        if date_text:
            when = datetime.fromisoformat(date_text)
            if when.tzinfo is None:
                return local_to_utc(when.date(), when.time(), zone)
            return when.astimezone(ZoneInfo("UTC"))
        if day_date and start_text:
            t = datetime.strptime(start_text[:5], "%H:%M").time()
            return local_to_utc(day_date, t, zone)
        plan.problem(line, "date: " + _("neither <date> nor a day date with <start>."))
    except InvalidInstant as exc:
        plan.problem(line, f"start: {exc}")
    except ValueError:
        plan.problem(line, "date: " + _("“%(value)s” is not a date and time.",
                                           value=date_text or start_text))
    return None


def _xml_end(ev: Any, starts: datetime | None, line: int, plan: ImportPlan) -> datetime | None:
    duration = _duration(_child_text(ev, "duration"))
    if duration is None:
        plan.problem(line, "duration: " + _("“%(value)s” is not HH:MM.",
                                               value=_child_text(ev, "duration")))
        return None
    if duration <= timedelta(0):
        plan.problem(line, "duration: " + _("the session ends before it starts."))
        return None
    return starts + duration if starts is not None else None


def _xml_people(ev: Any, line: int, plan: ImportPlan) -> list[PlannedPerson]:
    persons = ev.find("persons")
    if persons is None:
        return []
    people: list[PlannedPerson] = []
    for p in persons.findall("person"):
        people.extend(parse_people((p.text or "").strip().replace(";", ","), line, plan))
    return unique_people(people, line, plan, "persons")


def _xml_event(ev: Any, room_el: Any, day_date: date | None, zone: str,
               plan: ImportPlan) -> None:
    line = ev.sourceline or 1
    before = len(plan.problems)
    type_text = _type_text(_child_text(ev, "type"), _child_text(ev, "track"))
    values = {
        "type": type_text, "title": _child_text(ev, "title"),
        "number": _number(type_text, _child_text(ev, "subtitle")),
        "description": _child_text(ev, "description") or _child_text(ev, "abstract"),
        "room": _child_text(ev, "room") or (room_el.get("name") or "").strip(),
    }
    starts = _xml_start(ev, day_date, zone, line, plan)
    ends = _xml_end(ev, starts, line, plan)
    people = _xml_people(ev, line, plan)
    session = planned_session(line, values, starts, ends, people, plan)
    if session is not None and len(plan.problems) == before:
        plan.sessions.append(session)


# ------------------------------------------------------------------ schedule.json

class _Obj(dict):
    """A JSON object that remembers the line it starts on (for the problem list)."""

    line = 1


class _LineDecoder(json.JSONDecoder):
    """``json.loads`` with objects that know their line: the pure-Python scanner calls
    ``parse_object`` with the offset of each ``{`` (the C scanner does not). Nesting is
    bounded before parsing, so its recursion is too."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._newlines: list[int] = []

        def parse_object(s_and_end: Any, *args: Any, **kwargs: Any) -> tuple[_Obj, int]:
            obj, end = JSONObject(s_and_end, *args, **kwargs)
            out = _Obj(obj)
            out.line = bisect_right(self._newlines, s_and_end[1] - 1) + 1  # the "{"
            return out, end

        self.parse_object = parse_object
        self.scan_once = py_make_scanner(self)

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        self._newlines = [m.start() for m in re.finditer("\n", s)]
        return super().decode(s, *args, **kwargs)


def _line(value: Any, default: int) -> int:
    return getattr(value, "line", default)


def _json_text(data: bytes | str, plan: ImportPlan) -> str | None:
    """The file as text, or None with the problem noted: too large, not UTF-8, a NUL or a
    lone surrogate, nested too deeply."""
    if len(data) > MAX_JSON_BYTES:
        plan.problem(1, _("The file is too large."))
        return None
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            plan.problem(raw.count(b"\n", 0, exc.start) + 1, _("The file is not UTF-8 text."))
            return None
    why = bad_text(data)
    if why:
        bad = next((i for i, ch in enumerate(data)
                    if ch == "\x00" or "\ud800" <= ch <= "\udfff"), 0)
        plan.problem(data.count("\n", 0, bad) + 1, why)
        return None
    if json_depth(data) > MAX_JSON_DEPTH:
        plan.problem(1, ngettext("The JSON is nested too deeply (at most %(num)d level).",
                                 "The JSON is nested too deeply (at most %(num)d levels).",
                                 MAX_JSON_DEPTH))
        return None
    return data


def _json_days(text: str, plan: ImportPlan) -> tuple[list, Any] | None:
    """(days, conference) of the document, or None with the problem noted."""
    try:
        doc = json.loads(text, cls=_LineDecoder)
    except json.JSONDecodeError as exc:
        plan.problem(exc.lineno, _("This is not valid JSON: %(error)s (column %(column)s).",
                                   error=exc.msg, column=exc.colno))
        return None
    except (ValueError, RecursionError):
        plan.problem(1, _("This is not valid JSON."))
        return None
    schedule = doc.get("schedule") if isinstance(doc, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    days = conference.get("days") if isinstance(conference, dict) else None
    if not isinstance(days, list):
        plan.problem(_line(conference or schedule or doc, 1),
                     _("This is not a frab schedule.json: expected %(shape)s.",
                       shape='{"schedule": {"conference": {"days": [...]}}}'))
        return None
    return days, conference


def parse_json(data: bytes | str, zone: str) -> ImportPlan:
    """Read a frab/c3voc schedule.json (ours or another system's) into an import plan;
    every problem is named by its line and its entry (day, room, event)."""
    plan = ImportPlan()
    text = _json_text(data, plan)
    found = _json_days(text, plan) if text is not None else None
    if found is None:
        return plan
    days, conference = found
    line = _line(conference, 1)
    for di, day in enumerate(days, start=1):
        line = _line(day, line)
        _json_day(day, di, line, zone, plan)
    if not plan.sessions and not plan.problems:
        plan.problem(_line(conference, 1), _("The schedule has no events."))
    return plan


def _json_day(day: Any, di: int, line: int, zone: str, plan: ImportPlan) -> None:
    rooms = day.get("rooms") if isinstance(day, dict) else None
    if not isinstance(rooms, dict):
        plan.problem(line, _("day %(num)d: expected an object with %(key)s.", num=di,
                             key='"rooms"'))
        return
    day_date = None
    if isinstance(day.get("date"), str):
        try:
            day_date = date.fromisoformat(day["date"])
        except ValueError:
            pass
    for room_key, items in rooms.items():
        where = _("day %(num)d, room “%(room)s”", num=di, room=room_key)
        if not isinstance(items, list):
            plan.problem(line, f"{where}: " + _("expected a list of events."))
            continue
        for ei, ev in enumerate(items, start=1):
            _json_event_plan(ev, _("%(where)s, event %(num)d", where=where, num=ei), room_key, day_date, zone,
                             _line(ev, line), plan)


def _field(ev: dict, key: str, where: str, line: int, plan: ImportPlan) -> str:
    """A text field of an event: absent and null read as empty; anything else that is not
    text is a problem (noted, then read as empty)."""
    value = ev.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        plan.problem(line, f"{where}: {key}: " + _("expected text."))
        return ""
    return value


def _json_start(ev: dict, where: str, day_date: date | None, zone: str, line: int,
                plan: ImportPlan) -> datetime | None:
    date_text = _field(ev, "date", where, line, plan)
    start_text = _field(ev, "start", where, line, plan)
    try:
        if date_text:
            return parse_iso(date_text, zone)
        if day_date and start_text:
            t = datetime.strptime(start_text[:5], "%H:%M").time()
            return local_to_utc(day_date, t, zone)
        plan.problem(line, f"{where}: date: " + _("neither “date” nor a day date with “start”."))
    except InvalidInstant as exc:
        plan.problem(line, f"{where}: date: {exc}")
    except ValueError:
        plan.problem(line, f"{where}: start: " + _("“%(value)s” is not HH:MM.", value=start_text))
    return None


def _json_when(ev: dict, where: str, day_date: date | None, zone: str, line: int,
               plan: ImportPlan) -> tuple[datetime | None, datetime | None]:
    """The start and end instants (UTC) of an event: ``date`` (or the day's date with
    ``start``), then ``end`` (or ``duration``)."""
    starts = _json_start(ev, where, day_date, zone, line, plan)
    if starts is None:
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
            plan.problem(line, f"{where}: duration: " + _("“%(value)s” is not HH:MM.",
                                                                  value=duration_text))
            return None, None
        ends = starts + duration
    if ends <= starts:
        plan.problem(line, f"{where}: " + _("the session ends before it starts."))
        return None, None
    return starts, ends


def _json_person(p: Any, where: str, line: int, plan: ImportPlan) -> PlannedPerson | None:
    if not isinstance(p, dict):
        plan.problem(line, f"{where}: " + _("expected an object or a text."))
        return None
    name = p.get("public_name") or p.get("name")
    org = p.get("organization") or ""
    role = p.get("role") or "speaker"
    if not (isinstance(name, str) and isinstance(org, str) and isinstance(role, str)):
        plan.problem(line, f"{where}: " + _("expected a text “public_name” (or “name”), "
                                            "“organization” and “role”."))
        return None
    return planned_person({"name": name, "organization": org, "role": role}, line, plan,
                          where)


def _json_people(persons: Any, where: str, line: int, plan: ImportPlan) -> list[PlannedPerson]:
    """frab persons (``public_name``) or pretalx ones (``name``), with our extra
    ``organization`` and ``role``; a plain string reads as ``Name (Organization) [role]``."""
    if persons is None:
        return []
    if not isinstance(persons, list):
        plan.problem(line, f"{where}: persons: " + _("expected a list."))
        return []
    people: list[PlannedPerson] = []
    for pi, p in enumerate(persons, start=1):
        if isinstance(p, str):
            people.extend(parse_people(p.replace(";", ","), line, plan))
            continue
        person = _json_person(p, f"{where}: " + _("person %(num)d", num=pi), _line(p, line), plan)
        if person is not None:
            people.append(person)
    return unique_people(people, line, plan, f"{where}: persons")


def _json_values(ev: dict, where: str, room_key: str, line: int, plan: ImportPlan) -> dict:
    """The event's session values for SessionRowSchema. The number travels in the
    subtitle, as in schedule.xml; an explicit integer "number" (our exports before the
    c3voc schema) is read too."""
    type_text = _type_text(_field(ev, "type", where, line, plan),
                           _field(ev, "track", where, line, plan))
    number = ev.get("number") if type(ev.get("number")) is int else \
        _number(type_text, _field(ev, "subtitle", where, line, plan))
    return {
        "type": type_text, "title": _field(ev, "title", where, line, plan), "number": number,
        "description": (_field(ev, "description", where, line, plan)
                        or _field(ev, "abstract", where, line, plan)),
        "room": _field(ev, "room", where, line, plan) or room_key,
    }


def _json_event_plan(ev: Any, where: str, room_key: str, day_date: date | None, zone: str,
                     line: int, plan: ImportPlan) -> None:
    if not isinstance(ev, dict):
        plan.problem(line, f"{where}: " + _("expected an object."))
        return
    title = ev.get("title")
    if isinstance(title, str) and title.strip():
        where = f"{where} (“{title.strip()[:60]}”)"
    before = len(plan.problems)
    values = _json_values(ev, where, room_key, line, plan)
    if not isinstance(ev.get("title"), str | None):  # already "expected text"
        values.pop("title")
    starts, ends = _json_when(ev, where, day_date, zone, line, plan)
    people = _json_people(ev.get("persons"), where, line, plan)
    session = planned_session(line, values, starts, ends, people, plan, where)
    if session is not None and len(plan.problems) == before:
        plan.sessions.append(session)


__all__ = ["MAX_JSON_BYTES", "MAX_XML_BYTES", "parse_json", "parse_xml"]
