"""The personal calendar feed: the event's sessions, each with the registrant's own join
link. A pure helper: plain objects in, bytes out. Never the raw stream link or passcode
(calendar feeds are synced to third parties and shared more than people think).
Its texts are in the current language: the caller forces the registrant's."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from ..programme.ical import multi_line, one_line, session_uid


def personal_calendar(*, event_title: str, event_slug: str, event_zone: str, venue: str,
                      sessions: Iterable, join_url: Callable[[int], str], watch_url: str,
                      host: str, now: datetime) -> bytes:
    """ICS (RFC 5545) of ``sessions``; ``join_url(session_id)`` gives each personal link."""
    cal = Calendar()
    cal.add("prodid", "-//eventsapp//online participation//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", one_line(_("%(event)s (my session links)", event=event_title)))
    cal.add("x-wr-timezone", event_zone)
    for s in sessions:
        link = join_url(s.id)
        ev = VEvent()
        ev.add("uid", session_uid(s.id, host))
        ev.add("dtstamp", now)
        ev.add("dtstart", s.starts_at)
        ev.add("dtend", s.ends_at)
        label = s.label
        ev.add("summary", one_line(f"{label}: {s.title}" if s.title != label else s.title))
        place = []
        if getattr(s, "room", None) is not None:
            place.append(s.room.name)
        if venue:
            place.append(venue)
        place.append(_("online: %(url)s", url=link))
        ev.add("location", one_line(" · ".join(place)))
        ev.add("url", link)
        description = [_("Join online (your personal link): %(url)s", url=link),
                       _("All your sessions, live now and next: %(url)s", url=watch_url)]
        if s.description:
            description += ["", s.description]
        ev.add("description", multi_line("\n".join(description)))
        cal.add_component(ev)
    return cal.to_ical()
