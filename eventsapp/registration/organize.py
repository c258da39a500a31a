"""What organizers do to registrations: approve, decline, change the category, add
someone by hand, erase personal data."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import lock_event, use_case
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import Category, Event, OutboxMessage, Registration, RegistrationStatus, User, utcnow
from ..security import new_token
from . import links, mails, quota
from .answers import clean_registration, erase_answers, save_answers
from .manage import locked
from .placing import apply_status, end_active, kill_secrets, mail_promoted, new_secrets, place, status_mail
from .register import account_language, fill, registration_by_email
from .schemas import CategorySchema, IfFull, load
from .visa import erase_for_registration as erase_visa_data
from .window import require_offered


def _in_event(event: Event, registration_id: int) -> int:
    found = db.session.scalar(sa.select(Registration.id).where(
        Registration.id == registration_id, Registration.event_id == event.id))
    if found is None:
        raise NotFound(_("No such registration."))
    return found


def _fresh(registration_id: int) -> Registration:
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .execution_options(populate_existing=True))
    if reg is None:
        raise NotFound(_("No such registration."))
    return reg


@use_case
def approve(event: Event, registration_id: int, actor: User, *,
            now: datetime | None = None) -> Registration:
    """Approve a pending registration: confirmed if a place is free, else waiting list."""
    now = now or utcnow()
    _in_event(event, registration_id)
    event, reg = locked(registration_id)
    if reg.status is not RegistrationStatus.PENDING:
        raise Conflict(_("Only a pending registration can be approved."), code="not_pending")
    quota.require_quota_for(reg, reg.modality)  # a delegate: within its organization's quotas
    status, modality, _over, promoted = place(event, reg.modality, IfFull.WAITLIST, now=now)
    reg.modality = modality
    apply_status(reg, status, now)
    reg.decided_by_id = actor.id
    db.session.flush()
    mail_promoted(event, promoted)
    # A fresh manage link: the approval may come weeks after the first mail.
    mails.send("approved", reg, event, token=links.add_link(reg, now=now))
    return reg


@use_case
def decline(event: Event, registration_id: int, actor: User, *,
            now: datetime | None = None) -> Registration:
    """Decline a pending (or waitlisted, or confirmed) registration."""
    now = now or utcnow()
    _in_event(event, registration_id)
    event, reg = locked(registration_id)
    end_active(event, reg, RegistrationStatus.DECLINED, mail_kind="declined", now=now,
               decided_by_id=actor.id)
    return reg


@use_case
def change_category(event: Event, registration_id: int, category: Category | str) -> Registration:
    """Set a registration's category (participant, speaker, press, staff, VIP)."""
    chosen = load(CategorySchema(), {"category": getattr(category, "value", category)})["category"]
    _in_event(event, registration_id)
    reg = _fresh(registration_id)
    reg.category = chosen
    return reg


@use_case
def add_by_hand(event: Event, raw: dict[str, Any], actor: User, *, over_capacity: bool = False,
                if_full: IfFull | str | None = None, now: datetime | None = None) -> Registration:
    """An organizer registers someone (a VIP, a speaker): no moderation; over capacity
    only when ``over_capacity`` is set. The person gets the confirmation and the link.
    On behalf of one of the event's organizations (chosen as on the public form): within
    its quotas, approved by the organizer at once."""
    data, choice, answers = clean_registration(event.id, raw, if_full)
    now = now or utcnow()
    event = lock_event(event.id)
    require_offered(event, data.modality)
    if registration_by_email(event.id, data.email) is not None:
        raise Conflict(_("This address is already registered for the event."),
                       fields={"email": [_("Already registered: find it in the list.")]},
                       code="duplicate")
    reg = Registration(event_id=event.id, source="organizer", decided_by_id=actor.id)
    fill(reg, data)
    reg.category = data.category or Category.PARTICIPANT
    reg.user_id = db.session.scalar(sa.select(User.id).where(User.email == data.email))
    reg.language = account_language(reg.user_id)  # the person's, not the organizer's
    org = quota.organization_of(event.id, data.organization_id) if data.organization_id else None
    if org is not None:  # on behalf of an organization: approved by the organizer, in quota
        quota.represent(reg, org)
        quota.require_quota(org, reg, data.modality)
    status, modality, over, promoted = place(event, data.modality, choice,
                                             over_capacity=over_capacity, now=now)
    if org is not None and modality is not data.modality:
        quota.require_quota(org, reg, modality)
    reg.modality = modality
    reg.over_capacity = over
    apply_status(reg, status, now)
    token = new_secrets(reg)
    db.session.add(reg)
    save_answers(reg, answers)
    db.session.flush()
    mail_promoted(event, promoted)
    mails.send(status_mail(reg.status), reg, event, token=token)
    return reg


@use_case
def erase(event: Event, registration_id: int, actor: User, *,
          now: datetime | None = None) -> Registration:
    """Remove a person's personal data; the row stays (anonymized) and keeps counting."""
    now = now or utcnow()
    _in_event(event, registration_id)
    reg = _fresh(registration_id)
    if reg.erased_at:
        raise Conflict(_("This registration is already erased."), code="already_erased")
    old_email = reg.email
    reg.name = "Erased"
    reg.email = f"erased-{reg.id}-{new_token(9)}@erased.invalid"
    reg.organization = reg.position = reg.country = reg.needs = ""
    reg.stakeholder_type = None
    reg.consent_listed = False
    reg.user_id = None
    reg.form_nonce = None
    reg.erased_at = now
    links.kill_manage_links(reg)
    kill_secrets(reg)
    erase_answers(reg.id)  # answers and documents are personal data too
    erase_visa_data(reg.id, now)  # and a visa letter request's passport fields
    # Mail to the address (sent or not) is personal data too.
    db.session.execute(sa.delete(OutboxMessage).where(
        OutboxMessage.event_id == event.id, OutboxMessage.to_address == old_email))
    return reg
