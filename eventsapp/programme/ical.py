"""iCalendar files (RFC 5545) of sessions: pure, from plain objects to bytes.

Times are written in the event's zone with a VTIMEZONE (made by the icalendar package
from the IANA data); a wall time that happens twice (clocks going back) is written in
UTC instead, so every file keeps the exact instants. UIDs are ``session-<id>@<host>``.
Stream links are never written: calendar files get forwarded.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from .text import location_text, people_text, summary
from .timeconv import is_ambiguous

PRODID = "-//eventsapp//programme//EN"


def _calendar(name: str, zone: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", one_line(name))
    if zone:
        cal.add("x-wr-timezone", zone)
    return cal


def one_line(text: str) -> str:
    """Titles, places and names as one line: organizers may have typed line breaks, and
    a raw CR or LF in a property would break the file (icalendar refuses to write it)."""
    return " ".join(text.split())


def multi_line(text: str) -> str:
    """Descriptions keep their line breaks (escaped by icalendar), never a bare CR."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def session_uid(session_id: int, host: str) -> str:
    """The one UID of a session in every calendar (event, session, speaker, personal
    feeds), so a calendar that imports several of them keeps one entry per session."""
    return f"session-{session_id}@{host}"


def _when(value: datetime, zone: str) -> datetime:
    if is_ambiguous(value, zone):
        return value.astimezone(UTC)
    return value.astimezone(ZoneInfo(zone))


def build_calendar(name: str, sessions: Iterable, *, host: str,
                   session_url: Callable[[object], str], zone: str | None = None) -> bytes:
    """One VCALENDAR with a VEVENT per session (each session carries ``.event``)."""
    sessions = list(sessions)
    cal = _calendar(name, zone)
    ranges: dict[str, tuple[date, date]] = {}
    for s in sessions:
        z = s.event.timezone
        lo, hi = ranges.get(z, (s.starts_at.date(), s.ends_at.date()))
        ranges[z] = (min(lo, s.starts_at.date()), max(hi, s.ends_at.date()))
    if zone and zone not in ranges:
        ranges[zone] = (date.today(), date.today())
    for z, (lo, hi) in sorted(ranges.items()):
        if z == "UTC":
            continue
        cal.add_component(Timezone.from_tzid(z, first_date=date(lo.year, 1, 1),
                                             last_date=date(hi.year + 1, 1, 1)))
    for s in sessions:
        event = s.event
        z = event.timezone
        ve = VEvent()
        ve.add("uid", session_uid(s.id, host))
        ve.add("dtstamp", (s.updated_at or s.created_at or datetime.now(UTC))
               .astimezone(UTC))
        ve.add("dtstart", _when(s.starts_at, z))
        ve.add("dtend", _when(s.ends_at, z))
        ve.add("summary", one_line(summary(s)))
        location = location_text(s, event)
        if location:
            ve.add("location", one_line(location))
        url = session_url(s)
        ve.add("url", url)
        parts = [p for p in (people_text(s), s.description or "") if p]
        parts.append(f"{one_line(event.title)}\n{url}")
        ve.add("description", multi_line("\n\n".join(parts)))
        ve.add("categories", [s.type.label])
        if not s.published or not event.published:
            ve.add("status", "TENTATIVE")
        else:
            ve.add("status", "CONFIRMED")
        cal.add_component(ve)
    return cal.to_ical()
