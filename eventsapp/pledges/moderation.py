"""Moderation: an organizer publishes a submitted pledge or declines it with a reason."""
from __future__ import annotations

from ..db_tx import use_case
from ..inputs import load
from ..mail.outbox import queue_mail
from ..models import Pledge, PledgeState, User, utcnow
from . import mails
from .access import lock_pledge, managed_pledge
from .announce import publish
from .schemas import ModerationSchema


def _decline(pledge: Pledge, actor: User, reason: str) -> None:
    now = utcnow()
    pledge.state = PledgeState.DECLINED
    pledge.decline_reason = reason
    pledge.moderated_by_id = actor.id
    pledge.moderated_at = now
    pledge.updated_at = now


@use_case
def moderate(actor: User, pledge_id: int, action: str, reason: str = "") -> Pledge:
    """Publish or decline (with a reason) a pledge; the submitter is told by mail."""
    managed_pledge(actor, pledge_id)
    data = load(ModerationSchema(), {"action": (action or "").strip().lower(),
                                     "reason": reason or ""})
    pledge = lock_pledge(pledge_id)
    if data["action"] == "publish":
        publish(pledge, actor)
        subject, text = mails.render("published", pledge, language=mails.submitter_language(pledge))
        kind = "pledge_published"
    else:
        _decline(pledge, actor, data["reason"])
        subject, text = mails.render("declined", pledge, language=mails.submitter_language(pledge))
        kind = "pledge_declined"
    if pledge.submitted_by is not None:
        queue_mail(to=pledge.submitted_by.email, subject=subject, text=text, kind=kind,
                   event_id=pledge.event_id)
    return pledge
