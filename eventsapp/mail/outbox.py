"""Writing mail into the outbox, inside the caller's transaction.

The message is committed together with the change that causes it, or not at all;
delivery (SMTP, retries) happens afterwards, from the outbox.
"""
from __future__ import annotations

import re

from ..extensions import db
from ..models import OutboxMessage

# Line breaks (CR, LF, and the other line separators Python splits on) and every other
# control character: in a header they would end it or start a new one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str | None) -> str:
    """A header value on one line: each run of control characters becomes one space."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def queue_mail(*, to: str, subject: str, text: str, html: str | None = None, kind: str,
               event_id: int | None = None) -> OutboxMessage:
    """Add a message to the outbox; the caller commits.

    Subject and recipient are made one line here (an event or session title typed with a
    line break must never break a header, nor the delivery of the mail).
    """
    msg = OutboxMessage(to_address=one_line(to)[:254], subject=one_line(subject)[:300],
                        body_text=text, body_html=html, kind=kind[:40], event_id=event_id)
    db.session.add(msg)
    from .delivery import note_queued

    note_queued(msg)  # tried right after the request, once committed
    return msg
