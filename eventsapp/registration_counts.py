"""Counts of registrations against capacity per modality, in one SQL query."""
from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .models import Event, Modality, Registration, RegistrationStatus


def counts_by_modality(event: Event) -> dict[Modality, dict[RegistrationStatus, int]]:
    """{modality: {status: n}} for every modality and status (zeros included)."""
    rows = db.session.execute(
        sa.select(Registration.modality, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.modality, Registration.status))
    out: dict = {m: {s: 0 for s in RegistrationStatus} for m in Modality}
    for modality, status, n in rows:
        out[modality][status] = n
    return out


def capacity_report(event: Event, counts: dict | None = None) -> dict:
    """{"in_person": {capacity, confirmed, offered, waitlisted, pending, available}, ...}
    for the modalities the event offers. ``available`` is None when there is no limit.
    Pass ``counts`` (from counts_by_modality) to save the query."""
    counts = counts if counts is not None else counts_by_modality(event)
    report = {}
    for modality, offered, capacity in (
        (Modality.IN_PERSON, event.offers_in_person, event.capacity_in_person),
        (Modality.ONLINE, event.offers_online, event.capacity_online),
    ):
        if not offered:
            continue
        c = counts[modality]
        confirmed = c[RegistrationStatus.CONFIRMED]
        offered_places = c[RegistrationStatus.OFFERED]  # held until accepted or expired
        report[modality.value] = {
            "capacity": capacity,
            "confirmed": confirmed,
            "offered": offered_places,
            "waitlisted": c[RegistrationStatus.WAITLISTED],
            "pending": c[RegistrationStatus.PENDING],
            "available": None if capacity is None else max(0, capacity - confirmed - offered_places),
        }
    return report
