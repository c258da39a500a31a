"""What a registered person does from the private manage page: switch modality,
cancel, register again."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import lock_event, use_case
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import Event, Modality, Registration, RegistrationStatus, utcnow
from . import invitations, links, mails, quota
from .capacity import has_room, promote_waitlisted
from .placing import (
    Full,
    apply_status,
    end_active,
    mail_promoted,
    new_secrets,
    place,
    status_mail,
)
from .queries import ACTIVE
from .schemas import IfFull, MailLanguageSchema, ModalitySchema, load, parse_if_full
from .window import require_offered, require_open


def locked(registration_id: int) -> tuple[Event, Registration]:
    """Lock the registration's event, then read the registration afresh."""
    event_id = db.session.scalar(sa.select(Registration.event_id).where(
        Registration.id == registration_id))
    if event_id is None:
        raise NotFound(_("No such registration."))
    event = lock_event(event_id)
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .execution_options(populate_existing=True))
    if reg is None:
        raise NotFound(_("No such registration."))
    return event, reg


@use_case
def cancel(registration_id: int, *, now: datetime | None = None) -> Registration:
    """Cancel; a freed place goes to the first on that modality's waiting list."""
    now = now or utcnow()
    event, reg = locked(registration_id)
    end_active(event, reg, RegistrationStatus.CANCELLED, mail_kind="cancelled", now=now,
               cancelled_at=now)
    return reg


def switch_modality(registration_id: int, modality: Modality | str, *,
                    now: datetime | None = None) -> Registration:
    """Change in person <-> online, only where a place is free (under the lock)."""
    now = now or utcnow()
    new = load(ModalitySchema(), {"modality": getattr(modality, "value", modality)})["modality"]
    reg, full = _switch_modality(registration_id, new, now)
    if full is not None:
        raise full  # after the commit: the promotions it made stand
    return reg


@use_case
def _switch_modality(registration_id: int, new: Modality,
                     now: datetime) -> tuple[Registration, Full | None]:
    event, reg = locked(registration_id)
    if reg.status not in ACTIVE:
        raise Conflict(_("This registration is %(status)s.", status=reg.status.label.lower()),
                       code="not_active")
    if now >= event.ends_at:
        raise Conflict(_("The event is over."), code="event_over")
    if reg.status is RegistrationStatus.OFFERED:
        raise Conflict(_("Accept or decline the place offered to you first."),
                       code="offer_pending")
    require_offered(event, new)
    if new is reg.modality:
        return reg, None
    old = reg.modality
    if reg.status is RegistrationStatus.PENDING:
        reg.modality = new
    else:
        quota.require_seat(reg, new)  # a delegate's seat in the room, within its quota
        # The new modality's waiting list keeps its turn before anyone switching in.
        promoted = promote_waitlisted(event, new, now)
        if not has_room(event, new):
            mail_promoted(event, promoted)
            # The promotions stand even though this switch fails: commit, then raise.
            return reg, Full(_("In-person places are full.") if new is Modality.IN_PERSON
                             else _("Online places are full."),
                             fields={"modality": [_("No place is free.")]})
        was_confirmed = reg.status is RegistrationStatus.CONFIRMED
        reg.modality = new
        apply_status(reg, RegistrationStatus.CONFIRMED, now)
        db.session.flush()
        if was_confirmed:
            promoted += promote_waitlisted(event, old, now)
        mail_promoted(event, promoted)
    mails.send("modality_changed", reg, event)
    return reg, None


def mail_languages(reg: Registration, event: Event) -> list[str]:
    """The languages a registrant may have their mails in: those the event offers, and
    the one they have now (the page they registered on may have been in another)."""
    return [code for code in LANGUAGES if code in event.offered_languages or code == reg.language]


@use_case
def change_language(registration_id: int, language: str) -> Registration:
    """The registrant's choice of language for every later mail about the registration."""
    code = load(MailLanguageSchema(), {"language": language})["language"]
    reg = db.session.get(Registration, registration_id)
    if reg is None or reg.erased_at:
        raise NotFound(_("No such registration."))
    if code not in mail_languages(reg, reg.event):
        raise ValidationFailed(_("This event does not offer that language."),
                               fields={"language": [_("Choose one of the languages listed.")]})
    reg.language = code
    return reg


@use_case
def register_again(registration_id: int, *, if_full: IfFull | str | None = None,
                   now: datetime | None = None) -> tuple[Registration, str]:
    """A cancelled registration taken up again from its manage page (window open)."""
    now = now or utcnow()
    choice = parse_if_full(if_full)
    event, reg = locked(registration_id)
    if reg.status is not RegistrationStatus.CANCELLED or reg.erased_at:
        raise Conflict(_("Only a cancelled registration can be taken up again."),
                       code="not_cancelled")
    require_open(event, now)
    require_offered(event, reg.modality)
    # Made with an invitation: it must still allow it (its use was given back).
    invitation = invitations.reclaim(event, reg.id, now)
    promoted: list[Registration] = []
    organizers_approve = event.needs_approval(reg.category) and not (
        invitation is not None and invitation.skips_approval)
    if organizers_approve or quota.reg_waits_for_approval(reg):
        apply_status(reg, RegistrationStatus.PENDING, now)
    else:
        status, modality, _over, promoted = place(event, reg.modality, choice, now=now)
        reg.modality = modality
        apply_status(reg, status, now)
    reg.cancelled_at = None
    reg.offer_expires_at = None
    token = new_secrets(reg)  # the page that asked gets the new link
    links.drop_links(reg)  # and the extra links die with the old first one
    db.session.flush()
    mail_promoted(event, promoted)
    mails.send(status_mail(reg.status), reg, event, token=token)
    return reg, token
