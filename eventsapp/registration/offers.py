"""Places offered from the waiting list (events whose ``waitlist_promotion`` is
"offer", pretix's practice): accept, decline, and the periodic expiry.

The model: a freed place makes the first on the waiting list OFFERED, with
``offer_expires_at``. An offered registration holds its place (``capacity.HOLDING``:
it counts against the capacity like a confirmed one), gets no badge or join link, and
is not on the waiting list any more. Accepting (before the deadline) confirms it;
declining cancels it; at the deadline ``expire_offers`` cancels it (keeping
``offer_expires_at``, so its page says the offer expired) and offers the place to the
next person. A status rather than a flag on waitlisted or confirmed rows, so that
every rule keyed on CONFIRMED (badges, the door, join links, the participant list)
leaves offered people out without a change, and the waiting list's order and count
stay the WAITLISTED rows alone.

Every step runs under the event lock, like every capacity decision: an acceptance and
the expiry of the same offer are serialized, and whichever comes second sees the
other's result. ``expire_offers`` is safe when several workers or cron jobs run it at
once: each event's due offers are read again after its lock is taken (a second run
finds nothing left to expire), and on PostgreSQL an event another transaction holds is
skipped (``SKIP LOCKED``) rather than waited for; the next run takes it.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _

from ..db_tx import try_lock_event, use_case
from ..errors import Conflict
from ..extensions import db
from ..models import Event, Registration, RegistrationStatus, utcnow
from ..timefmt import format_event_date
from . import links, mails
from .capacity import promote_waitlisted
from .manage import locked
from .placing import end_active, kill_secrets, mail_promoted

log = logging.getLogger("eventsapp.registration")


class OfferExpired(Conflict):
    """The offer's time is over: the place goes (or went) to the next person."""

    code = "offer_expired"


def deadline_text(event: Event, when: datetime) -> str:
    """An offer's deadline in the event's zone, e.g. "Friday 7 June 2030, 14:00 (Africa/Kigali)"."""
    return f"{format_event_date(when, event.timezone, '%A %-d %B %Y, %H:%M')} ({event.timezone})"


def offer_expired(reg: Registration, now: datetime) -> bool:
    """The registration was offered a place whose time is over (expired by the job, or
    due and not yet expired)."""
    if reg.offer_expires_at is None:
        return False
    return reg.status is RegistrationStatus.CANCELLED or (
        reg.status is RegistrationStatus.OFFERED and now >= reg.offer_expires_at)


def _require_live_offer(event: Event, reg: Registration, now: datetime) -> None:
    if offer_expired(reg, now):
        assert reg.offer_expires_at is not None
        raise OfferExpired(_("This offer expired on %(when)s: the place goes to the next "
                             "person on the waiting list.",
                             when=deadline_text(event, reg.offer_expires_at)))
    if reg.status is not RegistrationStatus.OFFERED:
        raise Conflict(_("No place is offered to this registration."), code="no_offer")


@use_case
def accept_offer(registration_id: int, *, now: datetime | None = None) -> Registration:
    """Take the offered place (before its deadline): the registration is confirmed and
    the confirmation mailed, with a fresh manage link. After the deadline it changes
    nothing and says so (OfferExpired)."""
    now = now or utcnow()
    event, reg = locked(registration_id)
    _require_live_offer(event, reg, now)
    reg.status = RegistrationStatus.CONFIRMED
    reg.confirmed_at = now
    reg.offer_expires_at = None
    db.session.flush()
    mails.send("confirmation", reg, event, token=links.add_link(reg, now=now))
    return reg


@use_case
def decline_offer(registration_id: int, *, now: datetime | None = None) -> Registration:
    """Turn the offered place down: the registration is cancelled and the place offered
    to the next person on the waiting list."""
    now = now or utcnow()
    event, reg = locked(registration_id)
    if reg.status is not RegistrationStatus.OFFERED:
        _require_live_offer(event, reg, now)  # says why
    end_active(event, reg, RegistrationStatus.CANCELLED, mail_kind="cancelled", now=now,
               cancelled_at=now)
    return reg


# ------------------------------------------------------------------ the periodic expiry


@dataclass
class ExpiryReport:
    expired: int = 0   # offers that ran out (cancelled, mailed)
    promoted: int = 0  # people the freed places went to (offered or confirmed)
    busy: int = 0      # events skipped: another transaction held them (next run)

    def __str__(self) -> str:
        return (f"{self.expired} expired, {self.promoted} passed on, "
                f"{self.busy} event(s) busy (retried next run)")


def _due(now: datetime) -> sa.Select:
    return sa.select(Registration).where(Registration.status == RegistrationStatus.OFFERED,
                                         Registration.offer_expires_at <= now)


def expire_offers(now: datetime | None = None) -> ExpiryReport:
    """Expire every offer whose time is over, each event in its own transaction under
    its lock, and pass the places on. Safe to run from several processes at once."""
    now = now or utcnow()
    event_ids = list(db.session.scalars(
        _due(now).with_only_columns(Registration.event_id).distinct()))
    db.session.commit()  # end the read: each event's use case begins afresh
    report = ExpiryReport()
    for event_id in event_ids:
        expired, promoted = _expire_event(event_id, now)
        if expired is None:
            report.busy += 1
        else:
            report.expired += expired
            report.promoted += promoted
    return report


@use_case
def _expire_event(event_id: int, now: datetime) -> tuple[int | None, int]:
    """One event's due offers: (expired, promoted), or (None, 0) when the event was
    locked by another transaction (skipped)."""
    event = try_lock_event(event_id)
    if event is None:
        return None, 0
    # Read again under the lock: another run may have expired them meanwhile.
    due = list(db.session.scalars(
        _due(now).where(Registration.event_id == event.id)
        .order_by(Registration.offer_expires_at, Registration.id)
        .execution_options(populate_existing=True)))
    for reg in due:
        reg.status = RegistrationStatus.CANCELLED
        reg.cancelled_at = now
        kill_secrets(reg)  # offer_expires_at stays: the page says the offer expired
    db.session.flush()
    for reg in due:
        mails.send("offer_expired", reg, event)
    promoted: list[Registration] = []
    for modality in sorted({reg.modality for reg in due}, key=lambda m: m.value):
        promoted += promote_waitlisted(event, modality, now)
    mail_promoted(event, promoted)
    return len(due), len(promoted)


def run_expiry(app: Flask, *, loop: bool, interval: float = 60.0,
               stop: threading.Event | None = None) -> ExpiryReport:
    """Expire due offers; with ``loop``, again every ``interval`` seconds until stopped."""
    total = ExpiryReport()
    stop = stop or threading.Event()
    while True:
        with app.app_context():
            try:
                r = expire_offers()
            except Exception:
                log.exception("expiring offers failed; the next run retries")
                db.session.rollback()
                r = ExpiryReport()
            finally:
                db.session.remove()
        total.expired += r.expired
        total.promoted += r.promoted
        total.busy += r.busy
        if not loop or stop.wait(interval):
            return total
