"""Badges and the door: who has a valid badge, checking a badge in, counts, re-issue,
batch printing. Services take explicit arguments and never read the request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import object_session

from ..db_tx import rowcount, transaction, use_case
from ..errors import Conflict, NotFound
from ..extensions import db
from ..i18n import N_, event_title
from ..mail.outbox import queue_mail
from ..models import (
    Category,
    CheckIn,
    Event,
    Modality,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from ..models.registration import RevokedBadgeCode
from ..registration.mails import registrant_language
from ..security import hash_token, new_token
from .counts import event_day
from .qr import extract_code

# ---------------------------------------------------------------- revoked codes


@sa_event.listens_for(Registration.badge_code, "set", active_history=True)
def _remember_revoked_code(target: Registration, value, oldvalue, _initiator):
    """Whoever clears or replaces a badge code (cancel, decline, erase, re-issue), its
    hash is kept so the door can tell "cancelled" or "replaced" from "unknown"."""
    if not isinstance(oldvalue, str) or not oldvalue or value == oldvalue:
        return
    session = object_session(target)
    if session is None or target.id is None:
        return
    session.add(RevokedBadgeCode(code_hash=hash_token(oldvalue), registration_id=target.id))


# ---------------------------------------------------------------- badge validity

NO_BADGE = {
    "online_only": N_("You registered to follow online, so there is no badge: your session "
                      "links are on your registration page."),
    "not_confirmed": N_("Your registration is not confirmed yet (waiting list or pending "
                        "approval). Your badge appears here once it is."),
    "cancelled": N_("This registration is cancelled, so its badge no longer admits."),
    "declined": N_("This registration was declined, so there is no badge."),
    "revoked": N_("Your badge was withdrawn. Contact the organizers for a new one."),
}


def badge_problem(reg: Registration | None) -> str | None:
    """Why a registration has no valid badge (a NO_BADGE key), or None when it has one:
    a badge admits only a CONFIRMED, IN_PERSON registration with a live code."""
    if reg is None:
        return "revoked"
    if reg.status in (RegistrationStatus.CANCELLED,) or reg.erased_at is not None:
        return "cancelled"
    if reg.status is RegistrationStatus.DECLINED:
        return "declined"
    if reg.status is not RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if reg.modality is not Modality.IN_PERSON:
        return "online_only"
    if not reg.badge_code:
        return "revoked"
    return None


def registration_for_token(token: str | None) -> Registration | None:
    """The registration behind a manage link (the registration feature's lookup)."""
    from ..registration.services import registration_for_manage_token

    return registration_for_manage_token(token)


# ---------------------------------------------------------------- check-in

CHECKED_IN, ALREADY, INVALID = "checked_in", "already_checked_in", "invalid"

REASONS = {
    "unreadable": N_("Not a badge code. Scan the QR code on the badge again."),
    "unknown": N_("Unknown badge: no registration has this code."),
    "other_event": N_("This badge is for another event."),
    "replaced": N_("This badge was replaced by a newer one and no longer admits."),
    "cancelled": N_("This registration was cancelled: the badge no longer admits."),
    "declined": N_("This registration was declined: the badge does not admit."),
    "not_confirmed": N_("This registration is not confirmed (waiting list or pending approval)."),
    "online_only": N_("Registered to follow online only: no admission in person."),
    "revoked": N_("This badge was withdrawn."),
    "rate_limited": N_("Too many failed scans. Wait a minute, then try again."),
}


@dataclass(frozen=True)
class ScanPerson:
    """Who a badge admits (plain values: the door's read is over when it answers)."""

    id: int
    name: str
    organization: str | None
    category: str
    category_label: str
    modality: str
    status: str


@dataclass(frozen=True)
class Admission:
    """A badge's admission on one event-local day, in the event's zone."""

    day: str  # YYYY-MM-DD
    checked_in_at: str  # ISO 8601 with the event's offset
    time: str  # HH:MM
    checked_in_by: str | None


@dataclass
class ScanResult:
    """The answer to one scan at the door, as plain values (the transaction is over).
    ``schemas.ScanResultSchema`` is its JSON form (the desk's script and the API)."""

    result: str
    reason: str | None = None
    registration: ScanPerson | None = None  # None when invalid
    checkin: Admission | None = None
    other_event_title: str | None = None

    @property
    def ok(self) -> bool:
        return self.result != INVALID

    @property
    def message(self) -> str:
        if self.result == CHECKED_IN:
            return _("Checked in.")
        if self.result == ALREADY:
            return _("Already checked in today.")
        if self.reason == "other_event" and self.other_event_title:
            return _("This badge is for another event: %(event)s.", event=self.other_event_title)
        return _(REASONS.get(self.reason or "", N_("Not valid.")))


def _invalid(reason: str, **kw) -> ScanResult:
    return ScanResult(INVALID, reason=reason, **kw)


@cache
def _scan_statement(by_code: bool) -> sa.Select:
    """Built once (bind parameters ``key`` and ``day``): the door runs it on every scan."""
    key = Registration.badge_code if by_code else Registration.id
    return (sa.select(Registration.id, Registration.event_id, Registration.status,
                      Registration.modality, Registration.erased_at, Registration.badge_code,
                      Registration.name, Registration.organization, Registration.category,
                      CheckIn.checked_in_at, User.name.label("checked_in_by"))
            .select_from(Registration)
            .outerjoin(CheckIn, sa.and_(CheckIn.registration_id == Registration.id,
                                        CheckIn.day == sa.bindparam("day", type_=sa.Date)))
            .outerjoin(User, User.id == CheckIn.checked_in_by_id)
            .where(key == sa.bindparam("key")))


def _scan_row(day: date, *, code: str | None = None, registration_id: int | None = None):
    """The registration behind a badge code (or id), its admission on ``day`` if any and
    who admitted it, as one plain row from one statement (no ORM objects: the door is the
    hot path). None when no registration matches."""
    by_code = code is not None
    return db.session.connection().execute(
        _scan_statement(by_code), {"key": code if by_code else registration_id, "day": day}
    ).first()


def _explain_unknown(event_id: int, code: str) -> ScanResult:
    """A code no registration holds: a revoked one (cancelled or replaced), or unknown."""
    reg = db.session.scalar(
        sa.select(Registration).join(RevokedBadgeCode,
                                     RevokedBadgeCode.registration_id == Registration.id)
        .where(RevokedBadgeCode.code_hash == hash_token(code)))
    if reg is None:
        return _invalid("unknown")
    if reg.event_id != event_id:
        return _other_event(reg.event_id)
    problem = badge_problem(reg)
    if problem in ("cancelled", "declined"):
        return _invalid(problem)
    return _invalid("replaced")


def _other_event(other_event_id: int) -> ScanResult:
    other = db.session.execute(sa.select(Event.title, Event.published)
                               .where(Event.id == other_event_id)).first()
    # Published titles are public; a draft's title is not the desk's business.
    return _invalid("other_event",
                    other_event_title=other.title if other is not None and other.published
                    else None)


def _person(reg: Any) -> ScanPerson:
    """Who the registration is (``reg``: a Registration or a _scan_row row)."""
    return ScanPerson(id=reg.id, name=reg.name, organization=reg.organization,
                      category=reg.category.value, category_label=reg.category.label,
                      modality=reg.modality.value, status=reg.status.value)


def _admission(day: date, when: datetime, by_name: str | None, zone: tzinfo) -> Admission:
    local = when.astimezone(zone)
    return Admission(day=day.isoformat(), checked_in_at=local.isoformat(),
                     time=local.strftime("%H:%M"), checked_in_by=by_name)


def _already(row: Any, day: date, zone: tzinfo) -> ScanResult:
    return ScanResult(ALREADY, registration=_person(row),
                      checkin=_admission(day, row.checked_in_at, row.checked_in_by, zone))


@cache
def _insert_statement(dialect: str):
    """INSERT the admission only if the badge still admits (same code, confirmed, in
    person, not erased) and none exists for the day: ON CONFLICT (registration, day) DO
    NOTHING, RETURNING its id. Built once per dialect, with bind parameters."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    cols = CheckIn.__table__.c
    source = sa.select(
        Registration.id, sa.bindparam("p_event_id", type_=cols.event_id.type),
        sa.bindparam("p_day", type_=cols.day.type),
        sa.bindparam("p_now", type_=cols.checked_in_at.type),
        sa.bindparam("p_user_id", type_=cols.checked_in_by_id.type),
    ).where(Registration.id == sa.bindparam("p_reg_id"),
            Registration.event_id == sa.bindparam("p_reg_event_id"),
            Registration.badge_code == sa.bindparam("p_code"),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.modality == Modality.IN_PERSON,
            Registration.erased_at.is_(None))
    return (insert(CheckIn)
            .from_select(["registration_id", "event_id", "day", "checked_in_at",
                          "checked_in_by_id"], source)
            .on_conflict_do_nothing(index_elements=["registration_id", "day"])
            .returning(cols.id))


def _insert_checkin(reg_id: int, code: str, event_id: int, day: date, now: datetime,
                    user_id: int | None):
    """The new admission's id, or None: a racing scan won, or the badge changed."""
    conn = db.session.connection()
    return conn.execute(_insert_statement(conn.dialect.name), {
        "p_reg_id": reg_id, "p_reg_event_id": event_id, "p_code": code,
        "p_event_id": event_id, "p_day": day, "p_now": now, "p_user_id": user_id,
    }).first()


def check_in(event: Event, raw_code: str | None, user: User | None,
             now: datetime | None = None) -> ScanResult:
    """Admit the holder of a badge to ``event``: once per event-local day.

    One read (registration, today's admission and who made it, together); a repeated
    scan is answered from it. A first scan then writes in one use case: one INSERT ...
    SELECT ... ON CONFLICT DO NOTHING RETURNING, which re-checks the badge in the same
    statement, so the unique (registration, day) constraint decides between racing
    requests without an error (on SQLite the use case holds the write lock from its
    start). The loser of a race answers "already checked in" with the winner's admission.
    """
    code = extract_code(raw_code)
    if code is None:
        return _invalid("unreadable")
    event_id, zone = event.id, event.tz
    user_id, user_name = (user.id, user.name) if user is not None else (None, None)
    now = now or utcnow()
    day = event_day(event, now)
    row = _scan_row(day, code=code)
    if row is None:
        return _explain_unknown(event_id, code)
    if row.event_id != event_id:
        return _other_event(row.event_id)
    problem = badge_problem(row)
    if problem:
        return _invalid(problem)
    if row.checked_in_at is not None:
        return _already(row, day, zone)
    person, reg_id = _person(row), row.id
    with transaction():
        if _insert_checkin(reg_id, code, event_id, day, now, user_id) is None:
            return _lost_race(reg_id, code, day, zone)
    return ScanResult(CHECKED_IN, registration=person,
                      checkin=_admission(day, now, user_name, zone))


def _lost_race(reg_id: int, code: str, day: date, zone: tzinfo) -> ScanResult:
    """Another request admitted the badge a moment ago, or it was cancelled or re-issued
    in between: read it again (inside the check-in's use case) to say which."""
    row = _scan_row(day, registration_id=reg_id)
    if row is None:
        return _invalid("unknown")
    if row.badge_code != code:
        return _invalid("replaced")
    problem = badge_problem(row)
    if problem:
        return _invalid(problem)
    if row.checked_in_at is None:  # pragma: no cover - the row that won stays
        raise RuntimeError("check-in neither inserted nor found")
    return _already(row, day, zone)


# ---------------------------------------------------------------- organizer actions


def _registration_in(event: Event, registration_id: int) -> Registration:
    reg = db.session.scalar(sa.select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id)
        .execution_options(populate_existing=True))
    if reg is None:
        raise NotFound(_("No such registration."))
    return reg


def replace_badge_code(reg: Registration) -> None:
    """A new badge code (to print again); the old one answers "replaced" at the door
    (``_remember_revoked_code`` keeps its hash). Also used when the holder rotates every
    secret of a leaked registration, inside that use case: it does not commit."""
    reg.badge_code = new_token()
    reg.badge_printed_at = None


@use_case
def reissue_badge(event: Event, registration_id: int, actor: User,
                  now: datetime | None = None) -> Registration:
    """A new badge code for a registration (lost or misused badge); the old code stops
    admitting at once and the badge must be printed again. The attendee is told."""
    reg = _registration_in(event, registration_id)
    problem = badge_problem(reg)
    if problem not in (None, "revoked"):
        raise Conflict(_("Only confirmed in-person registrations have a badge."),
                       code="no_badge")
    replace_badge_code(reg)
    with force_locale(registrant_language(reg)):  # the attendee's, not the organizer's
        title = event_title(event)
        subject = _("Your new badge for %(event)s", event=title)
        text = _("Hello %(name)s,\n\n"
                 "The organizers of %(event)s have issued you a new badge. Your previous "
                 "badge no longer admits you at the door.\n\n"
                 "Download the new badge (PNG or PDF) from the manage link in your "
                 "registration confirmation email, or collect it at the registration desk.\n",
                 name=reg.name, event=title)
    queue_mail(to=reg.email, kind="badge_reissued", event_id=event.id, subject=subject, text=text)
    return reg


def printable_badges(event: Event, category: Category | None = None,
                     not_printed: bool = False) -> list[Registration]:
    """Registrations with a valid badge, by name (case-insensitive), optionally only one
    category and only those not printed yet."""
    q = (sa.select(Registration)
         .where(Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.modality == Modality.IN_PERSON,
                Registration.badge_code.is_not(None),
                Registration.erased_at.is_(None))
         .order_by(sa.func.lower(Registration.name), Registration.id))
    if category is not None:
        q = q.where(Registration.category == category)
    if not_printed:
        q = q.where(Registration.badge_printed_at.is_(None))
    return list(db.session.scalars(q))


def badge_counts(event: Event) -> dict:
    """{"valid": badges that admit, "not_printed": those of them never printed}."""
    valid, not_printed = db.session.execute(
        sa.select(sa.func.count(),
                  sa.func.count(sa.case((Registration.badge_printed_at.is_(None), 1))))
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.modality == Modality.IN_PERSON,
               Registration.badge_code.is_not(None),
               Registration.erased_at.is_(None))).one()
    return {"valid": valid or 0, "not_printed": not_printed or 0}


def mark_printed(event: Event, registrations: list[Registration],
                 now: datetime | None = None) -> int:
    """Record that these badges were printed; only the codes that were printed count
    (a badge re-issued meanwhile stays "not printed")."""
    # Plain values before the use case begins: its start ends the read transaction,
    # which expires the loaded registrations.
    pairs = [(r.id, r.badge_code) for r in registrations]
    return _mark_printed(event.id, pairs, now or utcnow()) if pairs else 0


@use_case
def _mark_printed(event_id: int, pairs: list[tuple[int, str | None]], now: datetime) -> int:
    done = 0
    for chunk in range(0, len(pairs), 500):
        part = pairs[chunk:chunk + 500]
        codes = [c for _n, c in part]
        done += rowcount(db.session.execute(
            sa.update(Registration)
            .where(Registration.event_id == event_id,
                   Registration.id.in_([i for i, _ in part]),
                   Registration.badge_code.in_(codes))
            .values(badge_printed_at=now)
            .execution_options(synchronize_session=False)))
    return done


PAGE_SIZE = 50


def badge_list(event: Event, search: str = "", page: int = 1) -> tuple[list[Registration], int]:
    """In-person confirmed registrations for the organizer's badge page, by name, with
    a search on name, email or organization; returns (page of rows, total)."""
    q = sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.modality == Modality.IN_PERSON)
    search = (search or "").strip()[:100]
    if search:
        like = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        q = q.where(sa.or_(sa.func.lower(Registration.name).like(like, escape="\\"),
                           sa.func.lower(Registration.email).like(like, escape="\\"),
                           sa.func.lower(Registration.organization).like(like, escape="\\")))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery())) or 0
    page = max(1, page)
    rows = list(db.session.scalars(
        q.order_by(sa.func.lower(Registration.name), Registration.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return rows, total
