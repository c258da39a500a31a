"""Capacity decisions, made by counting rows while the caller holds the event lock.

Every function here expects ``eventsapp.db_tx.lock_event(event.id)`` to have been
called in the current transaction: the counts are only true until it commits.
"""
from __future__ import annotations

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


def confirmed_count(event_id: int, modality: Modality) -> int:
    """Confirmed registrations of one modality (over-capacity ones included)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).where(
            Registration.event_id == event_id, Registration.modality == modality,
            Registration.status == RegistrationStatus.CONFIRMED)) or 0


def free_places(event: Event, modality: Modality) -> int | None:
    """Places left (never negative); None when the modality has no limit."""
    cap = capacity_of(event, modality)
    if cap is None:
        return None
    return max(0, cap - confirmed_count(event.id, modality))


def has_room(event: Event, modality: Modality) -> bool:
    free = free_places(event, modality)
    return free is None or free > 0


def promote_waitlisted(event: Event, modality: Modality,
                       now: datetime | None = None) -> list[Registration]:
    """Give free places of ``modality`` to the waiting list, first come first served.

    Returns the promoted registrations (the caller mails them and commits).
    """
    free = free_places(event, modality)
    q = (sa.select(Registration)
         .where(Registration.event_id == event.id, Registration.modality == modality,
                Registration.status == RegistrationStatus.WAITLISTED)
         .order_by(Registration.waitlisted_at, Registration.id))
    if free is not None:
        if free <= 0:
            return []
        q = q.limit(free)
    promoted = list(db.session.scalars(q.execution_options(populate_existing=True)))
    now = now or utcnow()
    for reg in promoted:
        reg.status = RegistrationStatus.CONFIRMED
        reg.confirmed_at = now
    if promoted:
        db.session.flush()
    return promoted
