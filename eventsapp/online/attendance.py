"""The online attendance report: joins and distinct viewers per session and per day,
beside the in-person check-ins of the same day (the organizer's online page)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import CheckIn, Event, ProgrammeSession, SessionJoin
from .services import stream_for


@dataclass
class SessionAttendance:
    session: ProgrammeSession
    day: date
    joins: int
    viewers: int
    checked_in_that_day: int
    has_stream: bool


@dataclass
class DayAttendance:
    day: date
    checked_in: int
    viewers: int


@dataclass
class AttendanceReport:
    sessions: list[SessionAttendance] = field(default_factory=list)
    days: list[DayAttendance] = field(default_factory=list)
    viewers: int = 0  # distinct online viewers over the whole event
    joins: int = 0


def attendance(event: Event) -> AttendanceReport:
    """Online joins and distinct viewers per session and per day, beside the in-person
    check-ins of that (event-local) day. A fixed number of queries, whatever the size."""
    sessions = list(db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))
    report = AttendanceReport()
    if not sessions:
        return report
    ids = [s.id for s in sessions]
    per_session = {sid: (joins, viewers) for sid, joins, viewers in db.session.execute(
        sa.select(SessionJoin.session_id, sa.func.count(),
                  sa.func.count(sa.distinct(SessionJoin.registration_id)))
        .where(SessionJoin.session_id.in_(ids)).group_by(SessionJoin.session_id))}
    checkins = dict(db.session.execute(
        sa.select(CheckIn.day, sa.func.count(sa.distinct(CheckIn.registration_id)))
        .where(CheckIn.event_id == event.id).group_by(CheckIn.day)).all())
    day_of = {s.id: event.local(s.starts_at).date() for s in sessions}
    days = sorted(set(day_of.values()) | set(checkins))
    index = {d: i for i, d in enumerate(days)}
    # Distinct viewers per day in one query: map each session to its day's index in SQL.
    day_expr = sa.case({sid: index[d] for sid, d in day_of.items()},
                       value=SessionJoin.session_id, else_=-1)
    per_day = {i: n for i, n in db.session.execute(
        sa.select(day_expr, sa.func.count(sa.distinct(SessionJoin.registration_id)))
        .where(SessionJoin.session_id.in_(ids)).group_by(day_expr))}
    report.viewers, report.joins = db.session.execute(
        sa.select(sa.func.count(sa.distinct(SessionJoin.registration_id)), sa.func.count())
        .where(SessionJoin.session_id.in_(ids))).one()
    for s in sessions:
        joins, viewers = per_session.get(s.id, (0, 0))
        report.sessions.append(SessionAttendance(
            s, day_of[s.id], joins, viewers, checkins.get(day_of[s.id], 0),
            stream_for(event, s) is not None))
    report.days = [DayAttendance(d, checkins.get(d, 0), per_day.get(index[d], 0)) for d in days]
    return report
