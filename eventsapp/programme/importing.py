"""Imports (CSV, frab XML) share one plan: parsed sessions with their line numbers and
every problem found. Nothing is written unless the plan has no problem; then everything
is written in one transaction."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema

from ..db_tx import lock_event, use_case
from ..errors import ValidationFailed
from ..extensions import db
from ..localefmt import format_items
from ..models import (
    Event,
    Person,
    ProgrammeSession,
    RoleKind,
    Room,
    SessionRole,
    SessionType,
    User,
)
from ..permissions import usable_people_clause
from .changes import bump
from .schemas import PersonRowSchema, SessionRowSchema, check_row

# "Name (Organization) [role]"; the organization may hold parentheses of its own.
PERSON_RE = re.compile(r"^(?P<name>[^()\[\]]+?)\s*(?:\((?P<org>.*)\))?\s*(?:\[(?P<role>[^\]]*)\])?$")


@dataclass
class PlannedPerson:
    name: str
    organization: str
    role: RoleKind


@dataclass
class PlannedSession:
    line: int
    type: SessionType
    number: int | None
    title: str
    description: str
    room: str
    starts_at: datetime
    ends_at: datetime
    people: list[PlannedPerson] = field(default_factory=list)


@dataclass
class ImportPlan:
    sessions: list[PlannedSession] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    new_rooms: list[str] = field(default_factory=list)
    new_people: int = 0

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    @property
    def ok(self) -> bool:
        return not self.problems


def check_values(schema: Schema, values: dict, line: int, plan: ImportPlan,
                 where: str = "") -> dict | None:
    """``values`` loaded through ``schema`` (the programme's field rules), or None with
    each problem noted on ``line`` as "[where: ]field: message"."""
    data, problems = check_row(schema, values)
    for problem in problems:
        plan.problem(line, f"{where}: {problem}" if where else problem)
    return None if problems else data


def planned_session(line: int, values: dict, starts: datetime | None, ends: datetime | None,
                    people: list[PlannedPerson], plan: ImportPlan,
                    where: str = "") -> PlannedSession | None:
    """A session of the plan from a file's ``values`` (type, number, title, description,
    room) checked by SessionRowSchema; None when it or its times had problems."""
    data = check_values(SessionRowSchema(), values, line, plan, where)
    if data is None or starts is None or ends is None:
        return None
    return PlannedSession(line, data["type"], data.get("number"), data["title"],
                          data.get("description", ""), data.get("room", ""), starts, ends,
                          people)


def planned_person(values: dict, line: int, plan: ImportPlan,
                   where: str) -> PlannedPerson | None:
    """A person of the plan (name, organization, role: "speaker" when left out)."""
    values = {**values, "role": values.get("role") or "speaker"}
    data = check_values(PersonRowSchema(), values, line, plan, where)
    if data is None:
        return None
    return PlannedPerson(data["name"], data.get("organization", ""), data["role"])


def parse_people(text: str, line: int, plan: ImportPlan) -> list[PlannedPerson]:
    """``Name (Organization) [role]; ...``; organization and role may be left out."""
    out: list[PlannedPerson] = []
    for chunk in (c.strip() for c in (text or "").split(";")):
        if not chunk:
            continue
        m = PERSON_RE.match(chunk)
        if not m:
            plan.problem(line, "people: " + _("cannot read “%(text)s”; write Name (Organization) "
                                               "[role].", text=chunk))
            continue
        person = planned_person({"name": m.group("name"), "organization": m.group("org") or "",
                                 "role": (m.group("role") or "").strip()}, line, plan,
                                f"people: {' '.join(m.group('name').split())[:60]}")
        if person is not None:
            out.append(person)
    return unique_people(out, line, plan, "people")


def unique_people(people: list[PlannedPerson], line: int, plan: ImportPlan,
                  where: str) -> list[PlannedPerson]:
    """The people, each once: a person listed twice is a problem."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in people:
        key = (p.name.lower(), p.organization.lower())
        if key in seen:
            plan.problem(line, f"{where}: " + _("%(name)s is listed twice.", name=p.name))
            continue
        seen.add(key)
        out.append(p)
    return out


def format_people(session: ProgrammeSession) -> str:
    parts = []
    for r in sorted(session.roles, key=lambda r: (r.position, r.id)):
        p = r.person
        org = f" ({p.organization})" if p.organization else ""
        parts.append(f"{p.name}{org} [{r.role.value}]")
    return "; ".join(parts)


def check_against_event(event: Event, plan: ImportPlan, *, create_rooms: bool) -> ImportPlan:
    """Add the problems that depend on the event: unknown rooms (unless created)."""
    rooms = {r.lower(): r for r in db.session.scalars(
        sa.select(Room.name).where(Room.event_id == event.id))}
    new: dict[str, str] = {}
    for s in plan.sessions:
        if not s.room or s.room.lower() in rooms:
            continue
        if create_rooms:
            new.setdefault(s.room.lower(), s.room)
        else:
            plan.problem(s.line, "room: " + _(
                "unknown room “%(room)s” (this event has: %(rooms)s). Add it first, or tick "
                "“create missing rooms”.", room=s.room,
                rooms=format_items(sorted(rooms.values())) or _("no rooms yet")))
    plan.new_rooms = sorted(new.values())
    plan.problems.sort(key=lambda p: p[0])
    return plan


@use_case
def apply_plan(event: Event, plan: ImportPlan, *, create_rooms: bool, replace: bool,
               publish: bool = False, actor: User | None = None) -> int:
    """Write a clean plan in one transaction; returns how many sessions were created.
    A person is reused by name only if they speak at this event or ``actor`` may use
    them; a name matching another organizer's speaker makes a new profile."""
    event = lock_event(event.id)
    check_against_event(event, plan, create_rooms=create_rooms)
    if not plan.ok:
        line, msg = plan.problems[0]
        raise ValidationFailed(
            _("Nothing was imported: line %(line)s: %(message)s", line=line, message=msg),
            fields={"file": [_("line %(line)s: %(message)s", line=n, message=m)
                             for n, m in plan.problems]})
    # Who may be reused is decided before ``replace`` takes this event's roles away.
    wanted = {(p.name, p.organization) for s in plan.sessions for p in s.people}
    people: dict[tuple[str, str], Person] = {}
    if wanted:
        names = {n for n, _ in wanted}
        in_event = (sa.select(SessionRole.person_id)
                    .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
                    .where(ProgrammeSession.event_id == event.id))
        for person in db.session.scalars(
                sa.select(Person).where(Person.name.in_(names),
                                        sa.or_(Person.id.in_(in_event),
                                               usable_people_clause(actor)))
                .order_by(Person.id)):
            people.setdefault((person.name, person.organization), person)
    if replace:
        db.session.execute(sa.delete(ProgrammeSession)
                           .where(ProgrammeSession.event_id == event.id))
    rooms = {r.name.lower(): r for r in db.session.scalars(
        sa.select(Room).where(Room.event_id == event.id))}
    for name in plan.new_rooms:
        room = Room(event_id=event.id, name=name)
        db.session.add(room)
        rooms[name.lower()] = room
    for s in plan.sessions:
        session = ProgrammeSession(
            event_id=event.id, type=s.type, number=s.number, title=s.title,
            description=s.description, room=rooms.get(s.room.lower()) if s.room else None,
            starts_at=s.starts_at, ends_at=s.ends_at, published=publish)
        for pos, p in enumerate(s.people):
            known = people.get((p.name, p.organization))
            if known is None:
                person = Person(name=p.name, organization=p.organization,
                                created_by_id=actor.id if actor is not None else None)
                people[(p.name, p.organization)] = person
                db.session.add(person)
            else:
                person = known
            session.roles.append(SessionRole(person=person, role=p.role, position=pos))
        db.session.add(session)
    bump(event)
    return len(plan.sessions)
