"""Use cases of rooms, sessions and the people on a session (roles)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import lock_event, use_case
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Event, Person, ProgrammeSession, RoleKind, Room, SessionRole, User
from ..permissions import PersonNeed, load_person, usable_people_clause
from .changes import bump, of_event
from .event_services import check_order
from .schemas import role_value, room_values, session_values

# ------------------------------------------------------------------ rooms


def _unique_room_name(event: Event, name: str, room_id: int | None) -> None:
    clash = db.session.scalar(sa.select(Room.id).where(
        Room.event_id == event.id, sa.func.lower(Room.name) == name.lower(),
        Room.id != (room_id or -1)))
    if clash:
        raise ValidationFailed(_("This event already has a room with that name."),
                               fields={"name": [_("Another room has this name.")]})


@use_case
def create_room(event: Event, values: Mapping[str, Any]) -> Room:
    event = lock_event(event.id)
    attrs = room_values(values)
    _unique_room_name(event, attrs["name"], None)
    room = Room(event_id=event.id, **attrs)
    db.session.add(room)
    bump(event)
    return room


@use_case
def update_room(event: Event, room_id: int, values: Mapping[str, Any]) -> Room:
    event = lock_event(event.id)
    room = of_event(Room, event, room_id, "room")
    attrs = room_values(values, partial=True)
    if "name" in attrs:
        _unique_room_name(event, attrs["name"], room.id)
    for key, value in attrs.items():
        setattr(room, key, value)
    bump(event)
    return room


@use_case
def delete_room(event: Event, room_id: int) -> None:
    """Delete a room; its sessions keep their times and lose the room."""
    event = lock_event(event.id)
    room = of_event(Room, event, room_id, "room")
    db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.room_id == room.id)
                       .values(room_id=None).execution_options(synchronize_session=False))
    db.session.delete(room)
    bump(event)


# ------------------------------------------------------------------ sessions

def _session_attrs(event: Event, values: Mapping[str, Any],
                   current: ProgrammeSession | None) -> dict:
    """Loaded session attributes, checked against the event: its own room, an end after
    the start (taking the current times for those not given)."""
    attrs = session_values(values, event.timezone, partial=current is not None)
    room_id = attrs.get("room_id")
    if room_id is not None and not db.session.scalar(
            sa.select(Room.id).where(Room.id == room_id, Room.event_id == event.id)):
        raise ValidationFailed(_("Unknown room: pick one of this event's rooms."),
                               fields={"room_id": [_("Unknown room for this event.")]})
    start = attrs.get("starts_at", current.starts_at if current else None)
    end = attrs.get("ends_at", current.ends_at if current else None)
    check_order(start, end, "ends_at", _("The session ends before it starts (or when it starts)."),
                _("The end must be after the start."))
    return attrs


def _people_list(people: list[dict], actor: User | None) -> list[tuple[int, RoleKind]]:
    """(person id, role) pairs, each person one ``actor`` may use; another event's person
    is answered like an unknown id (NotFound), so its existence is not revealed."""
    out: list[tuple[int, RoleKind]] = []
    for item in people:
        pid = item["person_id"]
        if any(p == pid for p, _ in out):
            raise ValidationFailed(_("A person appears twice on the session."),
                                   fields={"people": [_("Person %(id)s is listed twice.", id=pid)]})
        out.append((pid, item["role"]))
    if out:
        found = set(db.session.scalars(sa.select(Person.id).where(
            Person.id.in_([p for p, _ in out]), usable_people_clause(actor))))
        missing = [p for p, _ in out if p not in found]
        if missing:
            raise NotFound(_("No such person."),
                           fields={"people": [_("No person with id %(id)s.", id=missing[0])]})
    return out


@use_case
def create_session(event: Event, values: Mapping[str, Any], *,
                   actor: User | None = None) -> ProgrammeSession:
    """A new session (values in SessionSchema's shape; a draft unless ``published`` is
    given true); ``people`` must be people ``actor`` may use."""
    event = lock_event(event.id)
    attrs = _session_attrs(event, values, None)
    people = attrs.pop("people", None)
    attrs.setdefault("published", False)
    session = ProgrammeSession(event_id=event.id, **attrs)
    if people is not None:
        for pos, (pid, role) in enumerate(_people_list(people, actor)):
            session.roles.append(SessionRole(person_id=pid, role=role, position=pos))
    db.session.add(session)
    bump(event)
    return session


@use_case
def update_session(event: Event, session_id: int, values: Mapping[str, Any], *,
                   actor: User | None = None) -> ProgrammeSession:
    """Change the fields given; ``people`` replaces the list."""
    event = lock_event(event.id)
    session = of_event(ProgrammeSession, event, session_id, "session")
    attrs = _session_attrs(event, values, session)
    people = attrs.pop("people", None)
    for key, value in attrs.items():
        setattr(session, key, value)
    if people is not None:
        _replace_roles(session, _people_list(people, actor))
    bump(event)
    return session


def _replace_roles(session: ProgrammeSession, people: list[tuple[int, RoleKind]]) -> None:
    session.roles.clear()
    db.session.flush()  # old rows go first: (session, person) is unique
    for pos, (pid, role) in enumerate(people):
        session.roles.append(SessionRole(person_id=pid, role=role, position=pos))


@use_case
def delete_session(event: Event, session_id: int) -> None:
    event = lock_event(event.id)
    db.session.delete(of_event(ProgrammeSession, event, session_id, "session"))
    bump(event)


# ------------------------------------------------------------------ roles

@use_case
def add_role(event: Event, session_id: int, person_id: int, role: Any, *,
             actor: User | None) -> SessionRole:
    """Put a person ``actor`` may use on a session, last in order."""
    event = lock_event(event.id)
    session = of_event(ProgrammeSession, event, session_id, "session")
    kind = role_value(role)
    load_person(actor, person_id, PersonNeed.USE)
    if any(r.person_id == person_id for r in session.roles):
        raise ValidationFailed(_("That person is already on this session."),
                               fields={"person_id": [_("Already on this session.")]})
    pos = max((r.position for r in session.roles), default=-1) + 1
    sr = SessionRole(person_id=person_id, role=kind, position=pos)
    session.roles.append(sr)
    bump(event)
    return sr


def _role(event: Event, session_id: int, role_id: int) -> SessionRole:
    sr = db.session.get(SessionRole, role_id)
    if sr is None or sr.session_id != session_id or sr.session.event_id != event.id:
        raise NotFound(_("No such person on this session."))
    return sr


@use_case
def remove_role(event: Event, session_id: int, role_id: int) -> None:
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    session = sr.session
    session.roles.remove(sr)
    for pos, r in enumerate(session.roles):
        r.position = pos
    bump(event)


@use_case
def move_role(event: Event, session_id: int, role_id: int, delta: int) -> None:
    """Move a person up (-1) or down (+1) in the session's order."""
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    roles = sorted(sr.session.roles, key=lambda r: (r.position, r.id))
    i = roles.index(sr)
    j = max(0, min(len(roles) - 1, i + (1 if delta > 0 else -1)))
    roles[i], roles[j] = roles[j], roles[i]
    for pos, r in enumerate(roles):
        r.position = pos
    bump(event)


@use_case
def change_role(event: Event, session_id: int, role_id: int, role: Any) -> None:
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    sr.role = role_value(role)
    bump(event)
