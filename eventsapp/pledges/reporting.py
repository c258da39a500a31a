"""Yearly reporting: which pledges are overdue (no report for over a year) or inactive
(over two years), and reminders to their pledgers through the outbox."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..db_tx import begin_write, use_case
from ..errors import ValidationFailed
from ..extensions import db
from ..mail.outbox import queue_mail
from ..models import Event, Pledge, PledgeEntity, PledgeState, User, utcnow
from ..permissions import can_manage_pledge
from . import mails, queries
from .services import rotate_update_token, update_link_mail


def activity_of(pledge: Pledge, today: date | None = None) -> str:
    """'active', 'overdue' or 'inactive' (the same rule as queries.activity_case)."""
    today = today or date.today()
    if pledge.state != PledgeState.PUBLISHED:
        return "active"
    if pledge.last_report_on is not None:
        ref = pledge.last_report_on
        one, two = queries.years_ago(today, 1), queries.years_ago(today, 2)
        return "inactive" if ref < two else "overdue" if ref < one else "active"
    if pledge.published_at is None:
        return "active"

    def cutoff(n):
        return datetime.combine(queries.years_ago(today, n), time(0), tzinfo=UTC)

    return ("inactive" if pledge.published_at < cutoff(2)
            else "overdue" if pledge.published_at < cutoff(1) else "active")


def overdue_pledges(event: Event | None, today: date | None = None) -> list[Pledge]:
    """Published pledges of the event (None: not tied to an event) that are overdue or
    inactive, oldest first, with what the list shows loaded."""
    overdue, _inactive = queries.activity_clauses(today)
    q = (sa.select(Pledge).where(Pledge.state == PledgeState.PUBLISHED, overdue)
         .options(selectinload(Pledge.entities).selectinload(PledgeEntity.entity),
                  selectinload(Pledge.submitted_by))
         .order_by(sa.func.coalesce(Pledge.last_report_on, Pledge.published_at), Pledge.id))
    q = q.where(Pledge.event_id == event.id) if event else q.where(Pledge.event_id.is_(None))
    return list(db.session.scalars(q))


def recipient(pledge: Pledge) -> str:
    """Where a reminder goes: the submitting account, else the pledge's contact."""
    if pledge.submitted_by is not None:
        return pledge.submitted_by.email
    return pledge.contact_email or ""


@dataclass
class ReminderResult:
    sent: list[Pledge] = field(default_factory=list)
    skipped: list[Pledge] = field(default_factory=list)  # no address to write to


@use_case
def send_reminders(actor: User, pledge_ids: list[int], base_url: str,
                   today: date | None = None) -> ReminderResult:
    """Remind the pledgers of overdue pledges to report; each mail carries the way to
    report (the report page for an account, else a fresh private update link)."""
    ids = sorted({int(i) for i in pledge_ids if str(i).isdigit()})
    if not ids:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields={"pledge_ids": [_("Choose the pledges to remind.")]})
    begin_write()
    overdue, _inactive = queries.activity_clauses(today)
    pledges = list(db.session.scalars(
        sa.select(Pledge).where(Pledge.id.in_(ids), Pledge.state == PledgeState.PUBLISHED, overdue)
        .options(selectinload(Pledge.submitted_by), selectinload(Pledge.event))
        .with_for_update(of=Pledge)))
    result = ReminderResult()
    base = base_url.rstrip("/")
    now = utcnow()
    for pledge in pledges:
        if not can_manage_pledge(actor, pledge):
            continue
        to = recipient(pledge)
        if not to:
            result.skipped.append(pledge)
            continue
        if pledge.submitted_by is not None:
            subject, text = mails.render("reminder", pledge,
                                         language=mails.submitter_language(pledge),
                                         link=f"{base}/pledges/{pledge.id}/report")
        else:
            token = rotate_update_token(pledge)
            subject, text = update_link_mail(pledge, f"{base}/pledges/update/{token}",
                                             reminder=True)
        queue_mail(to=to, subject=subject, text=text, kind="pledge_reminder",
                   event_id=pledge.event_id)
        pledge.last_reminded_at = now
        result.sent.append(pledge)
    return result
