"""The key numbers of an event, each computed in SQL."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    CheckIn,
    Event,
    Modality,
    Pledge,
    PledgeEntity,
    PledgeState,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionJoin,
    SessionRole,
)


@dataclass
class KeyNumbers:
    sessions: int = 0
    speakers: int = 0
    registrations: dict = field(default_factory=dict)  # (modality, status) -> n
    checked_in: int = 0
    online_viewers: int = 0
    pledges: int = 0
    pledge_entities: int = 0
    pledged_usd: Decimal = Decimal(0)

    def count(self, modality: Modality | str, status: RegistrationStatus | str) -> int:
        return self.registrations.get((Modality(modality), RegistrationStatus(status)), 0)


def key_numbers(event: Event) -> KeyNumbers:
    """Programme, registration, door, online and pledge figures for the console."""
    n = KeyNumbers()
    n.sessions = db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)
                                   .where(ProgrammeSession.event_id == event.id)) or 0
    n.speakers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(SessionRole.person_id)))
        .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
        .where(ProgrammeSession.event_id == event.id)) or 0
    rows = db.session.execute(
        sa.select(Registration.modality, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.modality, Registration.status))
    n.registrations = {(m, s): c for m, s, c in rows}
    n.checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(CheckIn.registration_id)))
        .where(CheckIn.event_id == event.id)) or 0
    n.online_viewers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(SessionJoin.registration_id)))
        .join(ProgrammeSession, ProgrammeSession.id == SessionJoin.session_id)
        .where(ProgrammeSession.event_id == event.id)) or 0
    published = sa.and_(Pledge.event_id == event.id, Pledge.state == PledgeState.PUBLISHED)
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Pledge.amount_usd), 0))
        .where(published)).one()
    n.pledges, n.pledged_usd = count, Decimal(total or 0)
    n.pledge_entities = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(PledgeEntity.entity_id)))
        .join(Pledge, Pledge.id == PledgeEntity.pledge_id).where(published)) or 0
    return n
