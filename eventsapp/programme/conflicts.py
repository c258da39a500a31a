"""Conflict warnings of a programme (warnings, never blocks): a room used twice at once,
a person in two sessions at once, a session outside the event's dates.

Pure: takes plain session objects (``id, label, title, room_id, room, starts_at,
ends_at, roles[].person``) and the event, returns warnings.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..timefmt import format_event_time

ROOM, PERSON, OUTSIDE = "room_overlap", "person_double_booked", "outside_event"


@dataclass
class Warning_:
    kind: str
    message: str
    session_ids: tuple[int, ...] = field(default_factory=tuple)


def _name(s) -> str:
    return f"{s.label}: {s.title}" if getattr(s, "label", None) else s.title


def _fmt(when, zone: str) -> str:
    """A short day and time in the event's zone, in the reader's language."""
    return format_event_time(when, zone, "%a %-d %b %H:%M")


def _overlaps(items: list) -> Iterable[tuple]:
    """Pairs of overlapping (start, end) items, sorted sweep (touching ends do not overlap)."""
    items = sorted(items, key=lambda s: (s.starts_at, s.ends_at, s.id))
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if b.starts_at >= a.ends_at:
                break
            yield a, b


def find_conflicts(event, sessions: list) -> list[Warning_]:
    """Every warning for ``sessions`` of ``event``, in a stable order."""
    zone = event.timezone
    out: list[Warning_] = []
    by_room: dict[int, list] = defaultdict(list)
    by_person: dict[int, list] = defaultdict(list)
    people = {}
    for s in sessions:
        if s.room_id is not None:
            by_room[s.room_id].append(s)
        for r in s.roles:
            by_person[r.person_id].append(s)
            people[r.person_id] = r.person
    for room_id, items in by_room.items():
        for a, b in _overlaps(items):
            room = a.room.name if a.room is not None else _("room %(id)s", id=room_id)
            out.append(Warning_(ROOM, _("%(room)s is used by two sessions at once: "
                                        "“%(first)s” (%(first_at)s) and “%(second)s” "
                                        "(%(second_at)s).", room=room, first=_name(a),
                                        first_at=_fmt(a.starts_at, zone), second=_name(b),
                                        second_at=_fmt(b.starts_at, zone)),
                                (a.id, b.id)))
    for person_id, items in by_person.items():
        for a, b in _overlaps(items):
            out.append(Warning_(PERSON, _("%(name)s is in two sessions at once: "
                                          "“%(first)s” (%(first_at)s) and “%(second)s” "
                                          "(%(second_at)s).", name=people[person_id].name,
                                          first=_name(a), first_at=_fmt(a.starts_at, zone),
                                          second=_name(b), second_at=_fmt(b.starts_at, zone)),
                                (a.id, b.id)))
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        if s.starts_at < event.starts_at or s.ends_at > event.ends_at:
            out.append(Warning_(OUTSIDE, _("“%(session)s” (%(start)s–%(end)s) is outside the "
                                           "event's dates (%(event_start)s – %(event_end)s).",
                                           session=_name(s), start=_fmt(s.starts_at, zone),
                                           end=_fmt(s.ends_at, zone),
                                           event_start=_fmt(event.starts_at, zone),
                                           event_end=_fmt(event.ends_at, zone)),
                                (s.id,)))
    order = {ROOM: 0, PERSON: 1, OUTSIDE: 2}
    out.sort(key=lambda w: (order[w.kind], w.session_ids))
    return out


def warnings_by_session(warnings: list[Warning_]) -> dict[int, list[Warning_]]:
    out: dict[int, list[Warning_]] = defaultdict(list)
    for w in warnings:
        for sid in w.session_ids:
            out[sid].append(w)
    return out
