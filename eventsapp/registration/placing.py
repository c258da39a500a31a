"""Placing a registration under the event lock: its status and modality, the waiting
list served first, and the secrets and mails that go with a status."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..errors import Conflict
from ..extensions import db
from ..models import Event, Modality, Registration, RegistrationStatus
from ..security import hash_token, new_token
from . import links, mails
from .capacity import (
    HOLDING,
    fill_freed_places,
    offered,
    other_modality,
    places,
    promote,
    promote_waitlisted,
)
from .queries import ACTIVE
from .schemas import IF_FULL_ERROR, IfFull


class Full(Conflict):
    """The chosen modality is full and the person has not said what they want instead."""

    code = "full"


def full_message(event: Event, modality: Modality) -> str:
    if modality is Modality.IN_PERSON:
        if event.offers_online:
            return _("In-person places are full. You can join the waiting list or follow online.")
        return _("In-person places are full. You can join the waiting list.")
    return _("Online places are full. You can join the waiting list.")


def place(event: Event, modality: Modality, if_full: IfFull | None, *,
          over_capacity: bool = False,
          now: datetime) -> tuple[RegistrationStatus, Modality, bool, list[Registration]]:
    """Decide (under the lock) the status and modality of a new or returning registration.

    Returns (status, modality, placed over capacity, people promoted from the waiting list).
    Free places go to the waiting list first, then to the newcomer.
    """
    counts = places(event, modality)
    promoted = promote(event, modality, counts, now)
    if counts.has_room:
        return RegistrationStatus.CONFIRMED, modality, False, promoted
    if over_capacity:
        return RegistrationStatus.CONFIRMED, modality, True, promoted
    if if_full is IfFull.WAITLIST:
        return RegistrationStatus.WAITLISTED, modality, False, promoted
    other = other_modality(modality)
    if if_full is IfFull.SWITCH and offered(event, other):
        other_counts = places(event, other)
        promoted += promote(event, other, other_counts, now)
        if other_counts.has_room:
            return RegistrationStatus.CONFIRMED, other, False, promoted
        raise Full(_("Both in-person and online places are full. You can join the waiting list."),
                   fields={"if_full": [_("Both modalities are full: choose the waiting list.")]})
    raise Full(full_message(event, modality), fields={"if_full": [_(IF_FULL_ERROR)]})


def apply_status(reg: Registration, status: RegistrationStatus, now: datetime) -> None:
    reg.status = status
    reg.confirmed_at = now if status is RegistrationStatus.CONFIRMED else None
    reg.waitlisted_at = now if status is RegistrationStatus.WAITLISTED else None


def mail_promoted(event: Event, promoted: list[Registration]) -> None:
    """Tell each person promoted from the waiting list: placed ("promoted"), or offered
    a place to accept in time ("offered"). Each mail carries a fresh manage link (one
    more live link: the ones they have keep working)."""
    for reg in promoted:
        kind = "offered" if reg.status is RegistrationStatus.OFFERED else "promoted"
        mails.send(kind, reg, event, token=links.add_link(reg))


def new_secrets(reg: Registration) -> str:
    """Fresh manage link, badge code and join secret; returns the plain manage token."""
    token = new_token()
    reg.manage_token_hash = hash_token(token)
    reg.badge_code = new_token()
    reg.join_token = new_token()
    return token


def kill_secrets(reg: Registration) -> None:
    """Cancelled, declined or erased: badge and join links stop working."""
    reg.badge_code = None
    reg.join_token = None


def status_mail(status: RegistrationStatus) -> str:
    return {RegistrationStatus.CONFIRMED: "confirmation",
            RegistrationStatus.WAITLISTED: "waitlisted",
            RegistrationStatus.PENDING: "pending"}[status]


def send_fresh_link(event: Event, reg: Registration) -> None:
    """Mail one more manage link to the registered address. It never revokes the link
    the holder has: whoever knows the address may ask (see ``links``)."""
    token = links.add_link(reg)
    mails.send("manage_link", reg, event, token=token)


def end_active(event: Event, reg: Registration, status: RegistrationStatus, *, mail_kind: str,
               now: datetime, **changes: object) -> None:
    """Cancel or decline an active registration (under the event lock): its badge and
    links die, it is mailed, and a place it held goes to the first on that modality's
    waiting list. ``changes`` are further attributes set once it is known to be active."""
    if reg.status not in ACTIVE:
        raise Conflict(_("This registration is already %(status)s.",
                         status=reg.status.label.lower()), code="not_active")
    held_a_place = reg.status in HOLDING  # confirmed, or offered and not yet accepted
    reg.status = status
    reg.waitlisted_at = None
    reg.offer_expires_at = None
    for key, value in changes.items():
        setattr(reg, key, value)
    kill_secrets(reg)
    db.session.flush()
    mails.send(mail_kind, reg, event)
    if held_a_place:
        mail_promoted(event, promote_waitlisted(event, reg.modality, now))


def give_freed_places(event: Event, now: datetime) -> list[Registration]:
    """After a capacity went up or was removed (under the event lock, in the use case
    that changed it): the waiting lists take the free places at once, in their order,
    and each person promoted is mailed."""
    promoted = fill_freed_places(event, now)
    mail_promoted(event, promoted)
    return promoted
