"""Delegation rules: which registrations of an organization count against its quotas,
and when a registration on behalf of an organization waits for a decision.

The quota rule (``quota_counts`` and ``require_quota``) counts rows like the capacity
rule (``capacity``), under the same event lock (``db_tx.lock_event``), which every change
of a registration's status or modality and every change of an organization takes: so
concurrent approvals of one delegation are decided one at a time and never exceed the
quota, and no counter can drift. Every function that counts expects the caller to hold
that lock.

- ``approved``: confirmed or waitlisted delegates (pending, declined and cancelled ones
  do not count);
- ``in_room``: those of them who take part in person (a waitlisted one counts: a
  promotion from the waiting list happens without this module, so the seat is held from
  the approval on).

This module imports no use case (``register``, ``manage`` and ``organize`` call it).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import FocalPoint, Modality, Organization, Registration, RegistrationStatus

# Statuses that hold a place in the delegation's quota.
COUNTED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class QuotaReached(Conflict):
    """Approving would take the organization over one of its quotas."""

    code = "quota_reached"


@dataclass
class QuotaCounts:
    """One organization's delegates: approved (confirmed or waitlisted), of them in
    person, and pending."""

    approved: int = 0
    in_room: int = 0
    pending: int = 0


def _counts_query(org_ids: Iterable[int], exclude_id: int | None = None) -> sa.Select:
    counted = Registration.status.in_(COUNTED)
    q = sa.select(
        Registration.organization_id,
        sa.func.count().filter(counted).label("approved"),
        sa.func.count().filter(sa.and_(counted, Registration.modality == Modality.IN_PERSON))
        .label("in_room"),
        sa.func.count().filter(Registration.status == RegistrationStatus.PENDING).label("pending"),
    ).where(Registration.organization_id.in_(list(org_ids))).group_by(Registration.organization_id)
    if exclude_id is not None:
        q = q.where(Registration.id != exclude_id)
    return q


def quota_counts(org_ids: Iterable[int], *, exclude_id: int | None = None) -> dict[int, QuotaCounts]:
    """{organization id: its counts} in one query (every id given has an entry).
    ``exclude_id``: leave that registration out (the one being decided)."""
    ids = list(org_ids)
    out = {org_id: QuotaCounts() for org_id in ids}
    if ids:
        for org_id, approved, in_room, pending in db.session.execute(_counts_query(ids, exclude_id)):
            out[org_id] = QuotaCounts(approved, in_room, pending)
    return out


def fresh_organization(org_id: int) -> Organization | None:
    """The organization as committed now (read again under the lock: quotas may change)."""
    return db.session.scalar(sa.select(Organization).where(Organization.id == org_id)
                             .execution_options(populate_existing=True))


def _room_message(org: Organization) -> str:
    return _("All the in-person seats of %(org)s are taken (%(num)d). Approve this person "
             "to follow online, or free a seat first.", org=org.name, num=org.max_in_room or 0)


def require_quota(org: Organization, reg: Registration, modality: Modality) -> None:
    """Raise QuotaReached unless ``reg`` may be approved to take part ``modality``
    within ``org``'s quotas. The caller holds the event lock (see the module doc)."""
    counts = quota_counts([org.id], exclude_id=reg.id)[org.id]
    if org.max_registrations is not None and counts.approved >= org.max_registrations:
        raise QuotaReached(_("%(org)s has reached its quota of approved registrations "
                             "(%(num)d). Decline one first, or ask the organizers to raise "
                             "the quota.", org=org.name, num=org.max_registrations))
    if (modality is Modality.IN_PERSON and org.max_in_room is not None
            and counts.in_room >= org.max_in_room):
        raise QuotaReached(_room_message(org), fields={"modality": [_room_message(org)]})


def require_seat(reg: Registration, modality: Modality) -> None:
    """An approved delegate switching to in person takes a seat of its delegation: raise
    QuotaReached when they are all taken (the caller holds the event lock)."""
    if (reg.organization_id is None or modality is not Modality.IN_PERSON
            or reg.status not in COUNTED):
        return
    org = fresh_organization(reg.organization_id)
    if org is None or org.max_in_room is None:
        return
    counts = quota_counts([org.id], exclude_id=reg.id)[org.id]
    if counts.in_room >= org.max_in_room:
        raise QuotaReached(_("All the in-person seats of your delegation are taken."),
                           fields={"modality": [_("No seat of your delegation is free.")]})


def require_quota_for(reg: Registration, modality: Modality) -> None:
    """``require_quota`` for a registration of any kind (none for one without an
    organization); the organizers' approval calls it under the event lock."""
    if reg.organization_id is None:
        return
    org = fresh_organization(reg.organization_id)
    if org is not None:
        require_quota(org, reg, modality)


def waits_for_approval(org: Organization) -> bool:
    """A registration on behalf of ``org`` waits for a decision: the organization has
    focal points, or a quota to decide."""
    if org.max_registrations is not None or org.max_in_room is not None:
        return True
    return db.session.scalar(sa.select(FocalPoint.id).where(
        FocalPoint.organization_id == org.id).limit(1)) is not None


def reg_waits_for_approval(reg: Registration) -> bool:
    """``waits_for_approval`` for a registration's organization (False without one)."""
    if reg.organization_id is None:
        return False
    org = fresh_organization(reg.organization_id)
    return org is not None and waits_for_approval(org)


def organization_of(event_id: int, org_id: int) -> Organization:
    """The event's organization ``org_id`` chosen in a registration, or a field error."""
    org = db.session.scalar(sa.select(Organization).where(
        Organization.id == org_id, Organization.event_id == event_id))
    if org is None:
        message = _("Choose an organization from the list, or leave it empty.")
        raise ValidationFailed(message, fields={"organization_id": [message]})
    return org


def represent(reg: Registration, org: Organization) -> None:
    """``reg`` is made on behalf of ``org``: its organization is the organization's name
    (as the organization writes it); its stakeholder type and country, when not given,
    are the organization's."""
    reg.organization_id = org.id
    reg.organization = org.name
    if reg.stakeholder_type is None:
        reg.stakeholder_type = org.kind
    if not reg.country and org.country:
        reg.country = org.country
