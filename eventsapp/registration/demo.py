"""Sample registrations for the demo's upcoming event (idempotent, never commits)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Category,
    Event,
    Modality,
    Registration,
    RegistrationStatus,
    StakeholderType,
    utcnow,
)
from ..security import hash_token, new_token

SAMPLE_EVENT = "sample-digital-roundtable"

# (modality, status, stakeholder, consent to be listed)
SAMPLES = [
    (Modality.IN_PERSON, RegistrationStatus.CONFIRMED, StakeholderType.GOVERNMENT, True),
    (Modality.IN_PERSON, RegistrationStatus.CONFIRMED, StakeholderType.PRIVATE_SECTOR, True),
    (Modality.IN_PERSON, RegistrationStatus.CONFIRMED, StakeholderType.ACADEMIA, False),
    (Modality.ONLINE, RegistrationStatus.CONFIRMED, StakeholderType.CIVIL_SOCIETY, True),
    (Modality.ONLINE, RegistrationStatus.CONFIRMED, StakeholderType.UN_AGENCY, True),
    (Modality.ONLINE, RegistrationStatus.CONFIRMED, StakeholderType.INTERNATIONAL_ORG, False),
    (Modality.IN_PERSON, RegistrationStatus.PENDING, StakeholderType.OTHER, False),
    (Modality.IN_PERSON, RegistrationStatus.CANCELLED, StakeholderType.PRIVATE_SECTOR, False),
]


def load_sample_registrations(created: list[str]) -> None:
    """A few "Sample Attendee N" registrations (emails @example.org) on the sample event.

    Nobody knows their manage links (random, only hashed), so they are for looking at.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == SAMPLE_EVENT))
    if event is None:
        return
    existing = set(db.session.scalars(sa.select(Registration.email).where(
        Registration.event_id == event.id, Registration.email.like("sample.attendee%@example.org"))))
    now = utcnow()
    added = 0
    # Registrants of several of the event's languages (their mails go in them).
    languages = [code for code in ("en", "fr", "es") if code in event.offered_languages] or ["en"]
    for n, (modality, status, stakeholder, listed) in enumerate(SAMPLES, start=1):
        email = f"sample.attendee{n}@example.org"
        if email in existing:
            continue
        alive = status in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)
        db.session.add(Registration(
            event_id=event.id, name=f"Sample Attendee {n}", email=email,
            organization=f"Sample Organization {n}", position="Participant (sample)",
            country=["KE", "RW", "CH", "BR", "IN", "SN", "LU", "VN"][n - 1],  # ISO alpha-2
            stakeholder_type=stakeholder, modality=modality, category=Category.PARTICIPANT,
            status=status, consent_listed=listed, source="demo",
            language=languages[(n - 1) % len(languages)],
            manage_token_hash=hash_token(new_token()),
            badge_code=new_token() if alive else None, join_token=new_token() if alive else None,
            created_at=now - timedelta(days=10 - n),
            confirmed_at=now - timedelta(days=10 - n) if status is RegistrationStatus.CONFIRMED else None,
            cancelled_at=now - timedelta(days=1) if status is RegistrationStatus.CANCELLED else None))
        added += 1
    if added:
        created.append(f"{added} sample registrations")
