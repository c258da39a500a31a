"""Registering the programme's speakers in one step."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import EXCLUDE

from ..db_tx import lock_event, use_case
from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    Category,
    Event,
    Modality,
    Person,
    ProgrammeSession,
    Registration,
    SessionRole,
    User,
    utcnow,
)
from . import mails
from .placing import apply_status, mail_promoted, new_secrets, place, status_mail
from .register import account_language, fill, registration_by_email
from .schemas import NAME_MAX, IfFull, RegistrationData, RegistrationSchema, from_loaded

_SCHEMA = RegistrationSchema(unknown=EXCLUDE)


@dataclass
class SpeakerRow:
    person: Person
    email: str  # the linked account's address, or "" (the organizer types it)
    registration: Registration | None  # already registered (by account or address)


def programme_speakers(event: Event) -> list[SpeakerRow]:
    """People with a role on the event's sessions, with their known address and whether
    they are registered already (fixed number of queries)."""
    people = list(db.session.scalars(
        sa.select(Person).join(SessionRole, SessionRole.person_id == Person.id)
        .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
        .where(ProgrammeSession.event_id == event.id)
        .options(sa.orm.selectinload(Person.user))
        .distinct().order_by(Person.name, Person.id)))
    regs = list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)))
    by_user = {r.user_id: r for r in regs if r.user_id}
    by_email = {r.email: r for r in regs}
    rows = []
    for p in people:
        email = p.user.email if p.user else ""
        reg = (by_user.get(p.user_id) if p.user_id else None) or (by_email.get(email) if email else None)
        rows.append(SpeakerRow(p, email, reg))
    return rows


@dataclass
class SpeakerReport:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no address given


def _address(row: SpeakerRow, emails: dict[int, str]) -> str:
    """The address typed by the organizer for this person, else the account's."""
    return (emails.get(row.person.id) or "").strip() or row.email


def _speaker_input(row: SpeakerRow, address: str, modality: Modality) -> dict[str, object]:
    """The person's profile as a registration's input (profile fields may be longer
    than a registration keeps: they are cut to the schema's limit)."""
    p = row.person
    return {"name": p.name[:NAME_MAX], "email": address, "modality": modality.value,
            "organization": (p.organization or "")[:NAME_MAX],
            "position": (p.position or "")[:NAME_MAX], "country": p.country or "",
            "category": Category.SPEAKER.value, "consent_listed": False}


def _validated(rows: list[SpeakerRow], emails: dict[int, str],
               modality: Modality) -> list[tuple[SpeakerRow, RegistrationData]]:
    """Each unregistered speaker with an address, through the registration schema; all
    problems at once, as ``email_<person id>`` fields (the page's inputs)."""
    errors: dict[str, list[str]] = {}
    wanted: list[tuple[SpeakerRow, RegistrationData]] = []
    for row in rows:
        address = _address(row, emails)
        if row.registration is not None or not address:
            continue
        problems = _SCHEMA.validate(_speaker_input(row, address, modality))
        if problems:
            what = "not a valid email address" if "email" in problems else \
                "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in problems.items())
            errors[f"email_{row.person.id}"] = [f"{row.person.name}: {what}."]
            continue
        wanted.append((row, from_loaded(_SCHEMA.load(_speaker_input(row, address, modality)))))
    if errors:
        raise ValidationFailed(_("Some addresses are not valid."), fields=errors)
    return wanted


def _register_one(event: Event, row: SpeakerRow, data: RegistrationData, actor: User, *,
                  over_capacity: bool, now: datetime) -> None:
    reg = Registration(event_id=event.id, source="organizer", decided_by_id=actor.id,
                       user_id=row.person.user_id)
    fill(reg, data)
    reg.language = account_language(reg.user_id)  # the speaker's, not the organizer's
    status, placed, over, promoted = place(
        event, data.modality, IfFull.WAITLIST, over_capacity=over_capacity, now=now)
    reg.modality, reg.over_capacity = placed, over
    apply_status(reg, status, now)
    token = new_secrets(reg)
    db.session.add(reg)
    db.session.flush()
    mail_promoted(event, promoted)
    mails.send(status_mail(reg.status), reg, event, token=token)


@use_case
def register_speakers(event: Event, emails: dict[int, str], actor: User, *,
                      over_capacity: bool = True, now: datetime | None = None) -> SpeakerReport:
    """Register every programme speaker in one step (one transaction), as category
    speaker, in person when the event offers it.

    Person has no address of its own: a linked account's address is used, and the
    organizer types the others (``emails``: person id -> address, overriding).
    """
    now = now or utcnow()
    rows = programme_speakers(event)
    modality = Modality.IN_PERSON if event.offers_in_person else Modality.ONLINE
    wanted = _validated(rows, emails, modality)
    report = SpeakerReport()
    event = lock_event(event.id)
    report.already = [row.person.name for row in rows if row.registration is not None]
    seen: set[str] = set()
    for row, data in wanted:
        existing = registration_by_email(event.id, data.email)
        if existing is not None or data.email in seen:
            if existing is not None and existing.category is Category.PARTICIPANT:
                existing.category = Category.SPEAKER
            report.already.append(row.person.name)
            continue
        seen.add(data.email)
        _register_one(event, row, data, actor, over_capacity=over_capacity, now=now)
        report.registered.append(row.person.name)
    report.skipped = [r.person.name for r in rows
                      if r.registration is None and not _address(r, emails)]
    return report
