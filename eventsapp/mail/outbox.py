"""Writing mail into the outbox, inside the caller's transaction.

The message is committed together with the change that causes it, or not at all;
delivery (SMTP, retries) happens afterwards, from the outbox.
"""
from __future__ import annotations

from ..extensions import db
from ..models import OutboxMessage


def queue_mail(*, to: str, subject: str, text: str, html: str | None = None, kind: str,
               event_id: int | None = None) -> OutboxMessage:
    """Add a message to the outbox; the caller commits."""
    msg = OutboxMessage(to_address=to, subject=subject[:300], body_text=text, body_html=html,
                        kind=kind[:40], event_id=event_id)
    db.session.add(msg)
    from .delivery import note_queued

    note_queued(msg)  # tried right after the request, once committed
    return msg
