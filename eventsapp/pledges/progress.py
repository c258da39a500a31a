"""Progress reports on a published pledge, by its submitter, its organizers or the
holder of its private update link; sending and revoking that link."""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import use_case
from ..errors import Conflict, Forbidden, NotFound
from ..extensions import db
from ..inputs import load
from ..mail.outbox import queue_mail
from ..models import Pledge, PledgeReport, PledgeState, ProgressStatus, User, utcnow
from ..permissions import can_report_on_pledge
from ..security import hash_token, new_token
from . import mails
from .access import lock_pledge, managed_pledge, visible_pledge
from .schemas import ReportInput, UpdateLinkSchema, load_report


def _add_report(pledge: Pledge, data: ReportInput, user: User | None,
                via_link: bool) -> PledgeReport:
    if pledge.state != PledgeState.PUBLISHED:
        raise Conflict(_("Progress is reported on published pledges only."))
    report = PledgeReport(pledge_id=pledge.id, reported_on=data.reported_on,
                          status=ProgressStatus(data.status),
                          percent_complete=data.percent_complete,
                          amount_disbursed_usd=data.amount_disbursed_usd,
                          narrative=data.narrative, submitted_by_id=user.id if user else None,
                          via_update_link=via_link)
    db.session.add(report)
    db.session.flush()
    # The status is the latest report's (by date, then by filing order).
    latest = db.session.execute(
        sa.select(PledgeReport.reported_on, PledgeReport.status)
        .where(PledgeReport.pledge_id == pledge.id)
        .order_by(PledgeReport.reported_on.desc(), PledgeReport.id.desc()).limit(1)).one()
    pledge.last_report_on, pledge.progress_status = latest.reported_on, latest.status
    pledge.updated_at = utcnow()
    return report


@use_case
def file_report(user: User, pledge_id: int, raw: Mapping) -> PledgeReport:
    """The submitting account (or an organizer) reports progress."""
    pledge = visible_pledge(user, pledge_id)
    if not can_report_on_pledge(user, pledge):
        raise Forbidden(_("Only the pledge's submitter or its organizers report progress."))
    data = load_report(raw)
    pledge = lock_pledge(pledge_id)
    return _add_report(pledge, data, user, via_link=False)


def pledge_for_update_token(token: str | None) -> Pledge | None:
    """The published pledge a private update link belongs to, or None (forged, revoked)."""
    if not token or len(token) > 200:
        return None
    pledge = db.session.scalar(sa.select(Pledge).where(
        Pledge.update_token_hash == hash_token(token)))
    if pledge is None or pledge.state != PledgeState.PUBLISHED:
        return None
    return pledge


@use_case
def file_report_with_link(token: str, raw: Mapping) -> PledgeReport:
    """Whoever holds the pledge's update link reports progress."""
    pledge = pledge_for_update_token(token)
    if pledge is None:
        raise NotFound(_("This update link is not valid: it may have been replaced by a newer "
                       "link. Ask the organizers for a new one."))
    data = load_report(raw)
    locked = lock_pledge(pledge.id)
    if locked.update_token_hash != hash_token(token):  # rotated meanwhile
        raise NotFound(_("This update link is no longer valid."))
    return _add_report(locked, data, None, via_link=True)


def update_link_mail(pledge: Pledge, link: str, *, reminder: bool = False) -> tuple[str, str]:
    return mails.render("update_link_reminder" if reminder else "update_link", pledge, link=link)


def rotate_update_token(pledge: Pledge) -> str:
    """A new update secret for the pledge; the previous link stops working."""
    token = new_token()
    pledge.update_token_hash = hash_token(token)
    pledge.updated_at = utcnow()
    return token


@use_case
def send_update_link(actor: User, pledge_id: int, email: str | None, base_url: str) -> None:
    """Mail a private update link (a new secret: earlier links are revoked)."""
    managed_pledge(actor, pledge_id)
    address = load(UpdateLinkSchema(), {"email": email or ""})["email"]
    pledge = lock_pledge(pledge_id)
    if pledge.state != PledgeState.PUBLISHED:
        raise Conflict(_("Update links are sent for published pledges only."))
    token = rotate_update_token(pledge)
    subject, text = update_link_mail(pledge, f"{base_url.rstrip('/')}/pledges/update/{token}")
    queue_mail(to=address, subject=subject, text=text, kind="pledge_update_link",
               event_id=pledge.event_id)
    if not pledge.contact_email:
        pledge.contact_email = address


@use_case
def revoke_update_link(actor: User, pledge_id: int) -> None:
    """The update link stops working (organizers send a new one when needed)."""
    managed_pledge(actor, pledge_id)
    pledge = lock_pledge(pledge_id)
    pledge.update_token_hash = None
    pledge.updated_at = utcnow()
