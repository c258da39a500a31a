"""An organizer writing to a group of registrants: merge fields, a preview with one
recipient's real values, a test sent to the organizer, the real send.

The recipients are either the registrants matching a filter or a list of ids (the
ticked rows of the list), always of the event, oldest first, erased people left out.
A body that uses ``{manage_link}`` gives each recipient one more private manage link
(``links.add_link``): the links they already have keep working.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..db_tx import use_case
from ..errors import ValidationFailed, lazy
from ..extensions import db
from ..i18n import event_title
from ..mail.outbox import queue_mail
from ..models import Event, OutboxMessage, Registration
from . import links, mails
from .mergefields import MANAGE_LINK, Template, parse_fields
from .queries import ACTIVE, Filters, registrant_query
from .schemas import MessageSchema, load

# A selection by ids holds at most this many (the bulk actions' cap as well).
MAX_SELECTION = 1000
EXAMPLE_TOKEN = "example-link-not-valid"
AT_MOST = lazy(lambda: ngettext("Select at most %(num)s registrant at a time.",
                                "Select at most %(num)s registrants at a time.", MAX_SELECTION))


@dataclass(frozen=True)
class Draft:
    subject: Template
    body: Template
    uses_manage_link: bool


@dataclass(frozen=True)
class Rendered:
    to: str
    subject: str
    text: str
    html: str


def draft(subject: str, body: str) -> Draft:
    """The message checked (lengths, merge fields); ValidationFailed naming the field."""
    message = load(MessageSchema(), {"subject": subject or "", "body": body or ""})
    parsed = parse_fields(subject=message["subject"], body=message["body"])
    return Draft(parsed["subject"], parsed["body"],
                 parsed["subject"].uses(MANAGE_LINK) or parsed["body"].uses(MANAGE_LINK))


def check_ids(ids: Sequence[int]) -> list[int]:
    """Distinct ids, at most ``MAX_SELECTION`` (ValidationFailed on "ids" beyond)."""
    unique = list(dict.fromkeys(int(i) for i in ids))
    if len(unique) > MAX_SELECTION:
        raise ValidationFailed(str(AT_MOST), fields={"ids": [str(AT_MOST)]})
    return unique


def recipients(event: Event, filters: Filters, ids: Sequence[int] | None = None
               ) -> list[Registration]:
    """Who a message goes to, oldest first, one per address: the event's registrants
    with ``ids`` (when given, whatever their status) or those matching ``filters``
    (cancelled and declined people only when the filter asks for that status)."""
    if ids is not None:
        q = (sa.select(Registration).where(Registration.event_id == event.id,
                                           Registration.id.in_(check_ids(ids)))
             .order_by(Registration.created_at, Registration.id))
        regs = list(db.session.scalars(q.where(Registration.erased_at.is_(None))))
    else:
        q = registrant_query(event, filters).where(Registration.erased_at.is_(None))
        if filters.status is None:
            q = q.where(Registration.status.in_(ACTIVE))
        regs = [row[0] for row in db.session.execute(q)]
    seen: set[str] = set()
    out = []
    for reg in regs:
        if reg.email not in seen:
            seen.add(reg.email)
            out.append(reg)
    return out


def values(reg: Registration, event: Event, manage_link: str) -> dict[str, str]:
    """The merge fields' values for ``reg`` (in the current locale)."""
    return {"name": reg.name, "event": event_title(event), "manage_link": manage_link,
            "modality": str(reg.modality.label), "category": str(reg.category.label),
            "status": str(reg.status.label), "organization": reg.organization or "",
            "event_link": mails.event_urls(event)["event_url"]}


def render(message: Draft, reg: Registration, event: Event, *, manage_link: str,
           to: str | None = None, test: bool = False) -> Rendered:
    """The mail to ``reg`` in their language (the footer, the field values), with
    ``manage_link`` for ``{manage_link}``."""
    with force_locale(mails.registrant_language(reg)):
        vals = values(reg, event, manage_link)
        title = event_title(event)
        subject = f"{title}: {message.subject.render(vals)}"
        if test:
            subject = _("[Test] %(subject)s", subject=subject)
        text = (message.body.render(vals) + "\n\n--\n"
                + _("You receive this because you registered for %(title)s.", title=title)
                + "\n" + mails.event_urls(event)["event_url"])
        html = mails.text_to_html(text)
    return Rendered(to or reg.email, subject, text, html)


def example_link() -> str:
    return mails.manage_url(EXAMPLE_TOKEN)


def preview(event: Event, subject: str, body: str, reg: Registration) -> Rendered:
    """What ``reg`` would receive, with an example manage link (nothing is written)."""
    return render(draft(subject, body), reg, event, manage_link=example_link())


@use_case
def send_test(event: Event, subject: str, body: str, reg: Registration,
              to_address: str) -> OutboxMessage:
    """Queue the message as ``reg`` would receive it, to ``to_address`` only (the
    organizer), "[Test]" in its subject, an example manage link."""
    out = render(draft(subject, body), reg, event, manage_link=example_link(), to=to_address,
                 test=True)
    return queue_mail(to=out.to, subject=out.subject, text=out.text, html=out.html,
                      kind="organizer_message_test", event_id=event.id)


@use_case
def write_to_group(event: Event, filters: Filters, subject: str, body: str,
                   ids: Sequence[int] | None = None) -> int:
    """Queue one mail per recipient (see ``recipients``), with their values; returns
    how many. A body using {manage_link} adds a live manage link for each of them."""
    message = draft(subject, body)
    regs = recipients(event, filters, ids)
    for reg in regs:
        link = mails.manage_url(links.add_link(reg)) if message.uses_manage_link else ""
        out = render(message, reg, event, manage_link=link)
        queue_mail(to=out.to, subject=out.subject, text=out.text, html=out.html,
                   kind="organizer_message", event_id=event.id)
    return len(regs)
