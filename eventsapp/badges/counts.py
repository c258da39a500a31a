"""The door's figures: checked in today and overall by category, the latest admissions,
who of a list is checked in today. Read-only; a fixed number of queries each."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Category, CheckIn, Event, Modality, Registration, RegistrationStatus, utcnow


def event_day(event: Event, now: datetime) -> date:
    """The calendar day in the event's zone: a check-in counts once per such day."""
    return now.astimezone(event.tz).date()


@dataclass
class CountRow:
    category: Category
    registered: int = 0  # confirmed, in person
    today: int = 0
    overall: int = 0


@dataclass
class CheckinCounts:
    day: date
    rows: list[CountRow] = field(default_factory=list)

    @property
    def registered(self) -> int:
        return sum(r.registered for r in self.rows)

    @property
    def today(self) -> int:
        return sum(r.today for r in self.rows)

    @property
    def overall(self) -> int:
        return sum(r.overall for r in self.rows)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "totals": {"registered": self.registered, "today": self.today,
                       "overall": self.overall},
            "by_category": [{"category": r.category.value, "label": r.category.label,
                             "registered": r.registered, "today": r.today,
                             "overall": r.overall} for r in self.rows],
        }


def checkin_counts(event: Event, now: datetime | None = None) -> CheckinCounts:
    """Checked in today and overall, by category, against confirmed in-person
    registrations (two queries, whatever the size of the event)."""
    day = event_day(event, now or utcnow())
    rows = {c: CountRow(c) for c in Category}
    for category, n in db.session.execute(
            sa.select(Registration.category, sa.func.count())
            .where(Registration.event_id == event.id,
                   Registration.status == RegistrationStatus.CONFIRMED,
                   Registration.modality == Modality.IN_PERSON)
            .group_by(Registration.category)):
        rows[category].registered = n
    today = sa.case((CheckIn.day == day, CheckIn.registration_id))
    for category, n_today, n_all in db.session.execute(
            sa.select(Registration.category,
                      sa.func.count(sa.distinct(today)),
                      sa.func.count(sa.distinct(CheckIn.registration_id)))
            .join(Registration, Registration.id == CheckIn.registration_id)
            .where(CheckIn.event_id == event.id)
            .group_by(Registration.category)):
        rows[category].today = n_today
        rows[category].overall = n_all
    return CheckinCounts(day=day, rows=list(rows.values()))


def recent_checkins(event: Event, limit: int = 10) -> list[CheckIn]:
    """The latest admissions at the event (for the desk), with who and by whom."""
    return list(db.session.scalars(
        sa.select(CheckIn).where(CheckIn.event_id == event.id)
        .options(joinedload(CheckIn.registration), joinedload(CheckIn.checked_in_by))
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()).limit(limit)))


def checked_in_today_ids(event: Event, registration_ids: list[int],
                         now: datetime | None = None) -> set[int]:
    """Which of these registrations are checked in today (one query)."""
    if not registration_ids:
        return set()
    day = event_day(event, now or utcnow())
    return set(db.session.scalars(sa.select(CheckIn.registration_id).where(
        CheckIn.event_id == event.id, CheckIn.day == day,
        CheckIn.registration_id.in_(registration_ids))))
