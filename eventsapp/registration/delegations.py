"""Delegations: what the focal points of an organization (and the event's organizers)
do with its registrations: approve and decline them within its quotas, register
delegates. The rules (what counts against a quota, when a registration waits for a
decision) are in ``quota``; who may act for an organization is decided in
``eventsapp.permissions`` (the focal-point role): the views check it, these services
check that a registration belongs to the organization they are given.

Each use case takes the event lock (``manage.locked`` or ``db_tx.lock_event``) before it
counts, so concurrent approvals of one delegation never exceed its quota.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import lock_event, use_case
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import (
    Category,
    Event,
    Modality,
    Organization,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from ..permissions import is_focal_point_for
from . import links, mails
from .manage import locked
from .placing import (
    apply_status,
    end_active,
    mail_promoted,
    new_secrets,
    place,
    send_fresh_link,
    status_mail,
)
from .quota import (
    COUNTED,
    QuotaCounts,
    QuotaReached,
    fresh_organization,
    quota_counts,
    represent,
    require_quota,
)
from .register import account_language, fill, registration_by_email
from .schemas import IfFull, RegistrationData, clean, load
from .window import require_offered, require_open

__all__ = ["COUNTED", "QuotaCounts", "QuotaReached", "add_delegate", "approve", "decline",
           "is_focal_point_for", "quota_counts"]


def _in_organization(org: Organization, registration_id: int) -> tuple[Event, Registration]:
    """Lock the event, then the registration afresh, if it belongs to ``org``."""
    found = db.session.scalar(sa.select(Registration.id).where(
        Registration.id == registration_id, Registration.organization_id == org.id))
    if found is None:
        raise NotFound(_("No such registration."))
    event, reg = locked(registration_id)
    if reg.organization_id != org.id:  # moved out while we waited for the lock
        raise NotFound(_("No such registration."))
    return event, reg


@use_case
def approve(org: Organization, registration_id: int, actor: User, *,
            modality: Modality | str | None = None, now: datetime | None = None) -> Registration:
    """A focal point (or an organizer) approves a pending delegate, within the
    organization's quotas: confirmed if a place is free, else on the waiting list.
    ``modality``: approve them to take part this way (online when the seats are taken)."""
    from .organization_schemas import ApproveDelegateSchema

    now = now or utcnow()
    chosen = load(ApproveDelegateSchema(), {"modality": getattr(modality, "value", modality)}
                  )["modality"]
    event, reg = _in_organization(org, registration_id)
    if reg.status is not RegistrationStatus.PENDING:
        raise Conflict(_("Only a pending registration can be approved."), code="not_pending")
    if chosen is not None and chosen is not reg.modality:
        require_offered(event, chosen)
        reg.modality = chosen
    current = fresh_organization(org.id)
    if current is None:
        raise NotFound(_("No such organization."))
    require_quota(current, reg, reg.modality)
    status, placed, _over, promoted = place(event, reg.modality, IfFull.WAITLIST, now=now)
    reg.modality = placed
    apply_status(reg, status, now)
    reg.decided_by_id = actor.id
    db.session.flush()
    mail_promoted(event, promoted)
    # A fresh manage link, one more live link (the approval may come weeks after the
    # first mail; the links they have keep working).
    mails.send("approved", reg, event, token=links.add_link(reg, now=now))
    return reg


@use_case
def decline(org: Organization, registration_id: int, actor: User, *,
            now: datetime | None = None) -> Registration:
    """A focal point (or an organizer) declines a delegate (pending, waitlisted or
    confirmed): the person is told, a place they held goes to the waiting list."""
    now = now or utcnow()
    event, reg = _in_organization(org, registration_id)
    end_active(event, reg, RegistrationStatus.DECLINED, mail_kind="declined", now=now,
               decided_by_id=actor.id)
    return reg


@use_case
def add_delegate(org: Organization, raw: Mapping[str, Any], actor: User, *,
                 if_full: IfFull | str | None = None, now: datetime | None = None
                 ) -> Registration | None:
    """A focal point registers a delegate of their organization: approved by them at
    once, within the quotas and the event's places (the waiting list, or the other
    modality, when full and so chosen). The delegate gets the usual mail and manage
    link, in their account's language (else English).

    None: the address is registered for the event otherwise; as on the public form
    nothing tells so (no enumeration of who registered), it is sent a fresh manage link
    (``register.NEUTRAL_MESSAGE``)."""
    data, choice = clean(raw, if_full)
    now = now or utcnow()
    event = lock_event(org.event_id)
    require_open(event, now)
    require_offered(event, data.modality)
    current = fresh_organization(org.id)
    if current is None:
        raise NotFound(_("No such organization."))
    existing = registration_by_email(event.id, data.email)
    if existing is not None:
        if existing.organization_id == current.id:  # in the list the focal point sees
            message = _("Already in your delegation.")
            raise Conflict(message, fields={"email": [message]}, code="duplicate")
        # Registered otherwise: answered as the public form answers (nothing says so),
        # the address gets a fresh link to its registration, nothing else changes.
        send_fresh_link(event, existing)
        return None
    reg = _new_delegate(current, data, actor)
    require_quota(current, reg, data.modality)
    status, modality, _over, promoted = place(event, data.modality, choice, now=now)
    if modality is not data.modality:
        require_quota(current, reg, modality)
    reg.modality = modality
    apply_status(reg, status, now)
    token = new_secrets(reg)
    db.session.add(reg)
    db.session.flush()
    mail_promoted(event, promoted)
    mails.send(status_mail(reg.status), reg, event, token=token)
    return reg


def _new_delegate(org: Organization, data: RegistrationData, actor: User) -> Registration:
    reg = Registration(event_id=org.event_id, source="focal_point", decided_by_id=actor.id)
    data.category = Category.PARTICIPANT
    fill(reg, data)
    represent(reg, org)
    reg.user_id = db.session.scalar(sa.select(User.id).where(User.email == data.email))
    reg.language = account_language(reg.user_id)  # the person's, not the focal point's
    return reg
