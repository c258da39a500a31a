"""Announcing a pledge: publishing it, linked to the session (and person) where it was
made."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import use_case
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..instants import InvalidInstant, naive_local_to_utc
from ..mail.outbox import queue_mail
from ..models import (
    Event,
    Person,
    Pledge,
    PledgeState,
    ProgrammeSession,
    SessionRole,
    User,
    utcnow,
)
from . import mails
from .access import lock_pledge, managed_pledge
from .schemas import load_announcement


def _invalid(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields={key: [message]})


def _announced_at(value: datetime | None, event: Event) -> datetime:
    """When it was announced, in UTC; without an offset it is the event's local time."""
    if value is None:
        return utcnow()
    try:
        return naive_local_to_utc(value, event.timezone)
    except InvalidInstant as exc:
        raise _invalid("announced_at", str(exc)) from None


def check_announcement(event: Event, session_id: int | None,
                       announcer_id: int | None) -> tuple[ProgrammeSession, Person | None]:
    """The session (of this event) and the announcer (one of its people)."""
    if session_id is None:
        raise _invalid("session_id", _("Choose the session where it was announced."))
    session = db.session.get(ProgrammeSession, session_id)
    if session is None or session.event_id != event.id:
        raise _invalid("session_id", _("That session is not part of this event."))
    people = set(db.session.scalars(sa.select(SessionRole.person_id)
                                     .where(SessionRole.session_id == session.id)))
    if announcer_id is None:
        if people:
            raise _invalid("announced_by_id",
                           _("Choose who announced it (one of the session's people)."))
        return session, None
    if announcer_id not in people:
        raise _invalid("announced_by_id",
                       _("The announcer must be one of this session's people."))
    return session, db.session.get(Person, announcer_id)


def publish(pledge: Pledge, actor: User | None) -> None:
    """Mark a pledge published (it counts from now on)."""
    now = utcnow()
    pledge.state = PledgeState.PUBLISHED
    pledge.decline_reason = ""
    pledge.published_at = pledge.published_at or now
    pledge.moderated_by_id = actor.id if actor else None
    pledge.moderated_at = now
    pledge.updated_at = now


def announce(pledge: Pledge, actor: User, event: Event, announcement: Mapping) -> None:
    """Link and publish; ``announcement``: ``AnnouncementSchema`` values."""
    announcement = load_announcement(announcement)
    session, person = check_announcement(event, announcement.get("session_id"),
                                         announcement.get("announced_by_id"))
    pledge.event_id = event.id
    pledge.session_id = session.id
    pledge.announced_by_id = person.id if person else None
    pledge.announced_at = _announced_at(announcement.get("announced_at"), event)
    publish(pledge, actor)


@use_case
def announce_pledge(actor: User, pledge_id: int, event: Event, session_id: int | str | None,
                    announcer_id: int | str | None,
                    announced_at: datetime | str | None = None) -> Pledge:
    """Announce = publish and link to the session (and person) where it was made; the
    values are loaded through ``AnnouncementSchema``."""
    pledge = managed_pledge(actor, pledge_id)
    if pledge.event_id is not None and pledge.event_id != event.id:
        raise _invalid("pledge_id", _("That pledge belongs to another event."))
    pledge = lock_pledge(pledge_id)
    if pledge.state == PledgeState.DECLINED:
        raise Conflict(_("This pledge was declined; publish it from moderation first."))
    announce(pledge, actor, event, {"session_id": session_id, "announced_by_id": announcer_id,
                                    "announced_at": announced_at})
    if pledge.submitted_by is not None:
        subject, text = mails.render("announced", pledge, event=event,
                                     language=mails.submitter_language(pledge))
        queue_mail(to=pledge.submitted_by.email, subject=subject, text=text,
                   kind="pledge_published", event_id=event.id)
    return pledge
