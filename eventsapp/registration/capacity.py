"""Capacity decisions, made by counting rows while the caller holds the event lock.

Every function here expects ``eventsapp.db_tx.lock_event(event.id)`` to have been
called in the current transaction: the counts are only true until it commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Event, Modality, Registration, RegistrationStatus, utcnow


def capacity_of(event: Event, modality: Modality) -> int | None:
    """The capacity of one modality; None means no limit."""
    return event.capacity_in_person if modality is Modality.IN_PERSON else event.capacity_online


def offered(event: Event, modality: Modality) -> bool:
    return event.offers_in_person if modality is Modality.IN_PERSON else event.offers_online


def other_modality(modality: Modality) -> Modality:
    return Modality.ONLINE if modality is Modality.IN_PERSON else Modality.IN_PERSON


@dataclass
class Places:
    """One modality's confirmed and waitlisted counts against its capacity (None: no limit)."""

    capacity: int | None
    confirmed: int  # over-capacity ones included
    waitlisted: int

    @property
    def free(self) -> int | None:
        """Places left (never negative); None when there is no limit."""
        return None if self.capacity is None else max(0, self.capacity - self.confirmed)

    @property
    def has_room(self) -> bool:
        return self.capacity is None or self.confirmed < self.capacity


# Built once: the statements run under the event lock, so their construction should not.
_COUNTS = (
    sa.select(Registration.status, sa.func.count())
    .where(Registration.event_id == sa.bindparam("event_id"),
           Registration.modality == sa.bindparam("modality"),
           Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]))
    .group_by(Registration.status)
)
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
    counts = dict(db.session.execute(_COUNTS, {"event_id": event.id, "modality": modality}).all())
    return Places(capacity_of(event, modality), counts.get(RegistrationStatus.CONFIRMED, 0),
                  counts.get(RegistrationStatus.WAITLISTED, 0))


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


def promote(event: Event, modality: Modality, counts: Places,
            now: datetime | None = None) -> list[Registration]:
    """Give free places of ``modality`` to its waiting list, first come first served.

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
        reg.status = RegistrationStatus.CONFIRMED
        reg.confirmed_at = now
    if promoted:
        db.session.flush()
    counts.confirmed += len(promoted)
    counts.waitlisted -= len(promoted)
    return promoted


def promote_waitlisted(event: Event, modality: Modality,
                       now: datetime | None = None) -> list[Registration]:
    """Give free places of ``modality`` to the waiting list, first come first served.

    Returns the promoted registrations (the caller mails them and commits).
    """
    return promote(event, modality, places(event, modality), now)
