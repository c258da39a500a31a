"""When an event takes registrations, which modalities it offers, and which categories
the public may choose."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from ..errors import Conflict, ValidationFailed
from ..models import Category, Event, Modality, utcnow
from .capacity import offered


@dataclass
class Window:
    open: bool
    reason: str  # "open", "not_published", "not_yet", "closed"
    message: str


def window(event: Event, now: datetime | None = None) -> Window:
    """Whether the event takes registrations now, and if not, why."""
    from ..timefmt import format_event_date, format_event_time

    now = now or utcnow()
    if not event.published:
        return Window(False, "not_published", _("This event is not published yet."))
    if event.registration_opens_at and now < event.registration_opens_at:
        when = (format_event_date(event.registration_opens_at, event.timezone) + ", "
                + format_event_time(event.registration_opens_at, event.timezone))
        return Window(False, "not_yet", _("Registration opens on %(when)s (%(timezone)s).",
                                             when=when, timezone=event.timezone))
    closes = event.registration_closes_at or event.ends_at
    if now >= closes:
        return Window(False, "closed", _("Registration is closed."))
    return Window(True, "open", _("Registration is open."))


def require_open(event: Event, now: datetime) -> None:
    w = window(event, now)
    if not w.open:
        raise Conflict(w.message, code="registration_closed")


def require_offered(event: Event, modality: Modality) -> None:
    if not offered(event, modality):
        only = (_("This event takes place online only.") if event.offers_online
                else _("This event takes place in person only."))
        raise ValidationFailed(only, fields={"modality": [only]})


def public_category(event: Event, category: Category | None) -> Category:
    """The category a member of the public registers in: the one chosen, if the event
    offers it publicly; when none was chosen, participant if it is offered, else the
    only one offered. Anything else is a field error (organizers register the others)."""
    public = event.public_categories or frozenset({Category.PARTICIPANT})
    if category is None:
        if Category.PARTICIPANT in public:
            return Category.PARTICIPANT
        if len(public) == 1:
            return next(iter(public))
        message = _("Choose a category.")
        raise ValidationFailed(message, fields={"category": [message]})
    if category not in public:
        message = _("The category “%(category)s” is not open to public registration: the "
                    "organizers register these people.", category=category.label)
        raise ValidationFailed(message, fields={"category": [message]})
    return category
