"""Capacity decisions, made by counting rows while the caller holds the event lock.

Every function here expects ``eventsapp.db_tx.lock_event(event.id)`` to have been
called in the current transaction: the counts are only true until it commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import Event, Modality, Registration, RegistrationStatus, utcnow

# The statuses that hold a place: confirmed, and offered (held until the offer expires).
HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


def capacity_of(event: Event, modality: Modality) -> int | None:
    """The capacity of one modality; None means no limit."""
    return event.capacity_in_person if modality is Modality.IN_PERSON else event.capacity_online


def offered(event: Event, modality: Modality) -> bool:
    return event.offers_in_person if modality is Modality.IN_PERSON else event.offers_online


def other_modality(modality: Modality) -> Modality:
    return Modality.ONLINE if modality is Modality.IN_PERSON else Modality.IN_PERSON


@overload
def room_condition(taken: int, capacity: int | None) -> bool: ...
@overload
def room_condition(taken: ColumnElement[Any], capacity: int | None | ColumnElement[Any]
                   ) -> ColumnElement[bool]: ...


def room_condition(taken: Any, capacity: Any) -> Any:
    """The capacity rule, the one place it is written: a modality has room when it has
    no limit or fewer registrations holding a place (confirmed, over-capacity ones
    included, and offered) than its capacity. On counted values (the general path) or
    on SQL expressions (the PostgreSQL rush path decides inside its INSERT); a SQL
    ``capacity`` may be NULL."""
    if capacity is None:
        return True if isinstance(taken, int) else sa.true()
    if isinstance(capacity, ColumnElement):
        return sa.or_(capacity.is_(None), taken < capacity)
    return taken < capacity


def counts_select(event_id: Any, modality: Any) -> sa.Select:
    """One row: the ``taken`` (confirmed or offered: see HOLDING) and ``waitlisted``
    counts of one modality of an event (values or bound parameters); the general path
    and the rush path both count so."""
    # Not IN (...): an expanding parameter would not survive compiling once.
    holding = sa.or_(Registration.status == RegistrationStatus.CONFIRMED,
                     Registration.status == RegistrationStatus.OFFERED)
    waiting = Registration.status == RegistrationStatus.WAITLISTED
    return sa.select(
        sa.func.count().filter(holding).label("taken"),
        sa.func.count().filter(waiting).label("waitlisted"),
    ).where(Registration.event_id == event_id, Registration.modality == modality,
            sa.or_(holding, waiting))


@dataclass
class Places:
    """One modality's places taken and waiting list against its capacity (None: no limit)."""

    capacity: int | None
    taken: int  # confirmed (over-capacity ones included) and offered
    waitlisted: int

    @property
    def free(self) -> int | None:
        """Places left (never negative); None when there is no limit."""
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def has_room(self) -> bool:
        return room_condition(self.taken, self.capacity)


# Built once: the statements run under the event lock, so their construction should not.
_COUNTS = counts_select(sa.bindparam("event_id"), sa.bindparam("modality"))
_WAITING = (
    sa.select(Registration)
    .where(Registration.event_id == sa.bindparam("event_id"),
           Registration.modality == sa.bindparam("modality"),
           Registration.status == RegistrationStatus.WAITLISTED)
    .order_by(Registration.waitlisted_at, Registration.id)
    .execution_options(populate_existing=True)
)


def places(event: Event, modality: Modality) -> Places:
    """Confirmed and waitlisted counts of one modality, in one query."""
    row = db.session.execute(_COUNTS, {"event_id": event.id, "modality": modality}).one()
    return Places(capacity_of(event, modality), row.taken, row.waitlisted)


def fill_freed_places(event: Event, now: datetime | None = None) -> list[Registration]:
    """After a change that may have freed places (a capacity raised or removed), give
    them to each offered modality's waiting list; returns who was promoted (the caller
    mails them). Under the event lock, like every capacity decision."""
    promoted: list[Registration] = []
    for modality in Modality:
        if offered(event, modality):
            promoted += promote_waitlisted(event, modality, now)
    return promoted


def waiting_position(reg: Registration) -> int | None:
    """The place of a waitlisted registration in its modality's waiting list (1 is the
    next to be served), counted from the list's order; None when it is not waiting."""
    if reg.status is not RegistrationStatus.WAITLISTED or reg.waitlisted_at is None:
        return None
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == reg.event_id, Registration.modality == reg.modality,
        Registration.status == RegistrationStatus.WAITLISTED,
        sa.or_(Registration.waitlisted_at < reg.waitlisted_at,
               sa.and_(Registration.waitlisted_at == reg.waitlisted_at,
                       Registration.id < reg.id)))) or 0
    return ahead + 1


def confirmed_count(event_id: int, modality: Modality) -> int:
    """Confirmed registrations of one modality (over-capacity ones included)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).where(
            Registration.event_id == event_id, Registration.modality == modality,
            Registration.status == RegistrationStatus.CONFIRMED)) or 0


def free_places(event: Event, modality: Modality) -> int | None:
    """Places left (never negative); None when the modality has no limit."""
    return places(event, modality).free


def has_room(event: Event, modality: Modality) -> bool:
    return places(event, modality).has_room


def offer_deadline(event: Event, now: datetime) -> datetime:
    """Until when a place offered now is held: ``offer_hours`` from now, but not past
    the event's start when that is still ahead (the place must be usable)."""
    deadline = now + timedelta(hours=event.offer_hours)
    if now < event.starts_at < deadline:
        return event.starts_at
    return deadline


def promote(event: Event, modality: Modality, counts: Places,
            now: datetime | None = None) -> list[Registration]:
    """Give free places of ``modality`` to its waiting list, first come first served:
    confirmed at once, or offered (held until ``offer_deadline``) when the event
    offers places (``Event.offers_places``).

    ``counts`` comes from ``places`` in this transaction and is updated; the waiting list
    is read only when someone waits and a place is free. Returns the promoted
    registrations (the caller mails them and commits).
    """
    free = counts.free
    if counts.waitlisted <= 0 or (free is not None and free <= 0):
        return []
    q = _WAITING if free is None else _WAITING.limit(free)
    promoted = list(db.session.scalars(q, {"event_id": event.id, "modality": modality}))
    now = now or utcnow()
    for reg in promoted:
        if event.offers_places:
            reg.status = RegistrationStatus.OFFERED
            reg.offer_expires_at = offer_deadline(event, now)
        else:
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = now
    if promoted:
        db.session.flush()
    counts.taken += len(promoted)
    counts.waitlisted -= len(promoted)
    return promoted


def promote_waitlisted(event: Event, modality: Modality,
                       now: datetime | None = None) -> list[Registration]:
    """Give free places of ``modality`` to the waiting list, first come first served.

    Returns the promoted registrations (the caller mails them and commits).
    """
    return promote(event, modality, places(event, modality), now)
