"""An organizer writing to a group of registrants."""
from __future__ import annotations

from flask_babel import gettext as _

from ..db_tx import use_case
from ..extensions import db
from ..models import Event, Registration
from . import mails
from .queries import ACTIVE, Filters, registrant_query
from .schemas import MessageSchema, load


@use_case
def write_to_group(event: Event, filters: Filters, subject: str, body: str) -> int:
    """Queue one mail per registrant matching ``filters`` (erased people excluded);
    returns how many. Cancelled and declined people are written to only when the
    filter asks for that status explicitly."""
    message = load(MessageSchema(), {"subject": subject or "", "body": body or ""})
    q = registrant_query(event, filters).where(Registration.erased_at.is_(None))
    if filters.status is None:
        q = q.where(Registration.status.in_(ACTIVE))
    addresses = [reg.email for reg, _checked in db.session.execute(q)]
    from ..mail.outbox import queue_mail

    text = message["body"]
    footer = ("\n\n--\n" + _("You receive this because you registered for %(title)s.",
                                title=event.title)
              + "\n" + mails.event_urls(event)["event_url"])
    for address in dict.fromkeys(addresses):
        queue_mail(to=address, subject=f"{event.title}: {message['subject']}", text=text + footer,
                   html=mails.text_to_html(text + footer), kind="organizer_message",
                   event_id=event.id)
    return len(set(addresses))
