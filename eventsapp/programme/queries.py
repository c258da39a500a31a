"""Reading the programme in a fixed number of queries, whatever its size."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import (
    Event,
    Person,
    ProgrammeSession,
    Room,
    SessionRole,
    SessionStar,
    SessionType,
    User,
)
from ..permissions import managed_event_ids, usable_people_clause


def _with_people(q):
    return q.options(
        selectinload(ProgrammeSession.room),
        # People come with their roles (a join): a 1,000-session programme has 5,000
        # roles, and a separate IN-list load of their people took 10 more round trips.
        selectinload(ProgrammeSession.roles).joinedload(SessionRole.person),
    )


def programme_sessions(event: Event, *, include_drafts: bool = False,
                       type_: str | None = None, room_id: int | None = None
                       ) -> list[ProgrammeSession]:
    """The event's sessions in time order with rooms and people (3 queries)."""
    q = (sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
         .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    if not include_drafts:
        q = q.where(ProgrammeSession.published.is_(True))
    if type_:
        q = q.where(ProgrammeSession.type == SessionType(type_))
    if room_id:
        q = q.where(ProgrammeSession.room_id == room_id)
    return list(db.session.scalars(_with_people(q)))


def event_rooms(event: Event) -> list[Room]:
    return list(db.session.scalars(sa.select(Room).where(Room.event_id == event.id)
                                   .order_by(Room.name)))


def session_in_event(event: Event, session_id: int, *, include_drafts: bool
                     ) -> ProgrammeSession | None:
    q = sa.select(ProgrammeSession).where(ProgrammeSession.id == session_id,
                                          ProgrammeSession.event_id == event.id)
    if not include_drafts:
        q = q.where(ProgrammeSession.published.is_(True))
    return db.session.scalar(_with_people(q))


def starred_ids(user: User | None, session_ids: list[int] | None = None) -> set[int]:
    """Ids of the sessions ``user`` starred (one query; empty for anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    q = sa.select(SessionStar.session_id).where(SessionStar.user_id == user.id)
    return set(db.session.scalars(q))


@dataclass
class Speaker:
    person: Person
    sessions: list[ProgrammeSession]


def speakers(event: Event, *, include_drafts: bool = False) -> list[Speaker]:
    """The event's speaker directory: everyone with a role, by name, with sessions."""
    sessions = programme_sessions(event, include_drafts=include_drafts)
    by_person: dict[int, Speaker] = {}
    for s in sessions:
        for r in s.roles:
            sp = by_person.setdefault(r.person_id, Speaker(r.person, []))
            sp.sessions.append(s)
    return sorted(by_person.values(), key=lambda sp: (sp.person.name.lower(), sp.person.id))


def speaker_sessions(event: Event, person_id: int, *, include_drafts: bool = False
                     ) -> list[ProgrammeSession]:
    """The sessions of ``event`` where the person has a role, in time order."""
    q = (sa.select(ProgrammeSession)
         .join(SessionRole, SessionRole.session_id == ProgrammeSession.id)
         .where(ProgrammeSession.event_id == event.id, SessionRole.person_id == person_id)
         .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    if not include_drafts:
        q = q.where(ProgrammeSession.published.is_(True))
    return list(db.session.scalars(_with_people(q)))


def _visible_events_clause(user: User | None):
    """Published events, plus the drafts the user organizes."""
    managed = managed_event_ids(user)
    if managed is None:
        return sa.true()
    return sa.or_(Event.published.is_(True), Event.id.in_(managed or {-1}))


def _visible_sessions_clause(user: User | None):
    managed = managed_event_ids(user)
    if managed is None:
        return sa.true()
    return sa.or_(sa.and_(Event.published.is_(True), ProgrammeSession.published.is_(True)),
                  Event.id.in_(managed or {-1}))


def sessions_across_events(q, user: User | None) -> list[ProgrammeSession]:
    q = (q.join(Event, Event.id == ProgrammeSession.event_id)
         .where(_visible_sessions_clause(user))
         .options(contains_eager(ProgrammeSession.event))
         .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    return list(db.session.scalars(_with_people(q)).unique())


def my_schedule(user: User) -> list[ProgrammeSession]:
    """The sessions a user starred, across events (those they may see)."""
    q = (sa.select(ProgrammeSession)
         .join(SessionStar, SessionStar.session_id == ProgrammeSession.id)
         .where(SessionStar.user_id == user.id))
    return sessions_across_events(q, user)


def my_sessions(user: User) -> list[ProgrammeSession]:
    """The sessions where the user's linked speaker profile has a role."""
    q = (sa.select(ProgrammeSession)
         .join(SessionRole, SessionRole.session_id == ProgrammeSession.id)
         .join(Person, Person.id == SessionRole.person_id)
         .where(Person.user_id == user.id))
    return sessions_across_events(q, user)


def feed_sessions(user: User) -> list[ProgrammeSession]:
    """Starred sessions for the personal calendar feed: published ones only."""
    q = (sa.select(ProgrammeSession)
         .join(SessionStar, SessionStar.session_id == ProgrammeSession.id)
         .join(Event, Event.id == ProgrammeSession.event_id)
         .where(SessionStar.user_id == user.id, Event.published.is_(True),
                ProgrammeSession.published.is_(True))
         .options(contains_eager(ProgrammeSession.event))
         .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    return list(db.session.scalars(_with_people(q)).unique())


def search_people(user: User | None, term: str | None, event: Event | None = None,
                  limit: int = 50) -> list[Person]:
    """People ``user`` may put on a session: matches of ``term``, else the event's people
    first. Never another organizer's speakers (permissions.usable_people_clause)."""
    q = sa.select(Person).where(usable_people_clause(user))
    if term:
        like = f"%{term.strip().lower()}%"
        q = q.where(sa.or_(sa.func.lower(Person.name).like(like),
                           sa.func.lower(Person.organization).like(like)))
    elif event is not None:
        in_event = (sa.select(SessionRole.person_id)
                    .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
                    .where(ProgrammeSession.event_id == event.id))
        q = q.order_by(sa.case((Person.id.in_(in_event), 0), else_=1))
    q = q.order_by(Person.name, Person.id).limit(limit)
    return list(db.session.scalars(q))


def duplicates_of(name: str, organization: str, exclude_id: int | None = None, *,
                  user: User | None) -> list[Person]:
    """People ``user`` may use with the same name and organization (case and spacing
    ignored); others' speakers are not shown, nor do they block a new profile."""
    q = sa.select(Person).where(
        usable_people_clause(user),
        sa.func.lower(sa.func.trim(Person.name)) == " ".join(name.split()).lower(),
        sa.func.lower(sa.func.trim(Person.organization)) == " ".join(organization.split()).lower())
    if exclude_id:
        q = q.where(Person.id != exclude_id)
    return list(db.session.scalars(q))
