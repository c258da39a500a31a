"""Letters of invitation for visas.

A confirmed in-person registrant of an event that offers them (``Event.visa_letters``)
asks for one from the manage page, giving nationality, passport number, date of birth
and, optionally, the passport's expiry (``VisaRequestSchema``: the one declaration of
these inputs). An organizer approves or declines it; the registrant is mailed either
way, in their language, with a fresh manage link; once approved, the registrant and the
organizers download the letter (``visa_letter.letter_pdf``).

Privacy: the passport fields are seen only on the organizer's page of the request and by
the registrant; lists (page, API), exports and logs never carry them, and they are only
ever sent in a POST body. They are blanked when the registration is erased
(``erase_for_registration``, called by ``organize.erase``) and once the event has been
over for ``VISA_ERASE_AFTER_DAYS`` days (``erase_after_events``; the CLI
``flask registration erase-visa-data``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, pre_load, validates

from .. import inputs
from ..db_tx import use_case
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import (
    Event,
    Modality,
    Registration,
    RegistrationStatus,
    User,
    VisaLetterRequest,
    VisaLetterStatus,
    utcnow,
)
from . import links, mails
from .schemas import load

PASSPORT_MAX = 20  # stored: letters and digits only
PASSPORT_TYPED_MAX = 40  # as typed, with spaces or dashes
# Letters and digits only (spaces and dashes typed in are dropped): 5 to 20 of them, as
# passports of every country are numbered (ICAO 9303 allows up to 9 in the machine
# readable zone; some countries print longer numbers).
PASSPORT_PATTERN = re.compile(r"^[A-Z0-9]{5,20}$")
OLDEST_AGE = 120  # years: an older date of birth is a typing mistake
YOUNGEST_AGE_DAYS = 1


class VisaRequestSchema(Schema):
    """What a registrant gives for a letter of invitation (the form and the services)."""

    nationality = inputs.Country(required=True, error_messages={
        "required": _l("Choose your nationality.")}, metadata={
        "description": "The passport's country, ISO 3166-1 alpha-2."})
    passport_number = inputs.Line(max_length=PASSPORT_TYPED_MAX, required=True,
                                  required_message=_l("Enter your passport number."))
    date_of_birth = inputs.Date(required=True, error_messages={
        "required": _l("Enter your date of birth.")})
    passport_expires_on = inputs.Date(load_default=None, allow_none=True)

    @pre_load
    def _blank_is_missing(self, data: Any, **kwargs: Any) -> Any:
        """A blank field of the form is "not given" (a required one then says so)."""
        if not isinstance(data, Mapping):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @validates("nationality")
    def _nationality(self, value: str, **kwargs: Any) -> None:
        if not value:
            raise ValidationError(_("Choose your nationality."))

    @validates("passport_number")
    def _passport(self, value: str, **kwargs: Any) -> None:
        if not PASSPORT_PATTERN.match(normal_passport(value)):
            raise ValidationError(_("A passport number has 5 to 20 letters and digits, as "
                                    "printed in your passport."))

    @validates("date_of_birth")
    def _birth(self, value: date, **kwargs: Any) -> None:
        today = date.today()
        if value > today - timedelta(days=YOUNGEST_AGE_DAYS):
            raise ValidationError(_("A date of birth is in the past."))
        if value < today.replace(year=today.year - OLDEST_AGE):
            raise ValidationError(_("Check the year: this would make you more than "
                                    "%(num)d years old.", num=OLDEST_AGE))

    @validates("passport_expires_on")
    def _expiry(self, value: date | None, **kwargs: Any) -> None:
        if value is not None and value < date.today():
            raise ValidationError(_("This passport has expired."))


def normal_passport(value: str) -> str:
    """A passport number as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", value or "").upper()


# ------------------------------------------------------------------ who may ask


def may_ask(reg: Registration, event: Event, now: datetime | None = None) -> bool:
    """A confirmed in-person registrant of an event that offers letters, before it ends."""
    return (event.visa_letters and reg.erased_at is None
            and reg.status is RegistrationStatus.CONFIRMED
            and reg.modality is Modality.IN_PERSON
            and (now or utcnow()) < event.ends_at)


def request_of(registration_id: int) -> VisaLetterRequest | None:
    return db.session.scalar(sa.select(VisaLetterRequest).where(
        VisaLetterRequest.registration_id == registration_id))


def letter_ready(req: VisaLetterRequest | None, reg: Registration) -> bool:
    """The letter may be downloaded: approved, not erased, the registration still a
    confirmed in-person one."""
    return (req is not None and req.status is VisaLetterStatus.APPROVED
            and req.erased_at is None and reg.erased_at is None
            and reg.status is RegistrationStatus.CONFIRMED
            and reg.modality is Modality.IN_PERSON)


def _locked_registration(registration_id: int) -> Registration:
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .with_for_update().execution_options(populate_existing=True))
    if reg is None:
        raise NotFound(_("No such registration."))
    return reg


@use_case
def submit(registration_id: int, raw: Mapping[str, Any], *,
           now: datetime | None = None) -> VisaLetterRequest:
    """The registrant asks for a letter (or corrects a request not decided yet)."""
    now = now or utcnow()
    data = load(VisaRequestSchema(), raw)
    reg = _locked_registration(registration_id)
    event = reg.event
    if not may_ask(reg, event, now):
        raise Conflict(_("Letters of invitation are for confirmed in-person participants of "
                         "events that offer them."), code="visa_not_offered")
    req = request_of(reg.id)
    if req is None:
        req = VisaLetterRequest(registration_id=reg.id, event_id=event.id)
        db.session.add(req)
    elif req.status is not VisaLetterStatus.REQUESTED or req.erased_at is not None:
        raise Conflict(_("Your request has been decided already."), code="visa_decided")
    req.nationality = data["nationality"]
    req.passport_number = normal_passport(data["passport_number"])
    req.date_of_birth = data["date_of_birth"]
    req.passport_expires_on = data.get("passport_expires_on")
    req.requested_at = now
    db.session.flush()
    return req


# ------------------------------------------------------------------ organizers


@dataclass(frozen=True)
class RequestRow:
    """A request as lists show it: never the passport fields."""

    id: int
    registration_id: int
    name: str
    email: str
    organization: str
    status: VisaLetterStatus
    requested_at: datetime
    decided_at: datetime | None
    erased: bool


def event_requests(event: Event) -> list[RequestRow]:
    """The event's requests, the undecided first, oldest first."""
    rows = db.session.execute(
        sa.select(VisaLetterRequest.id, VisaLetterRequest.registration_id, Registration.name,
                  Registration.email, Registration.organization, VisaLetterRequest.status,
                  VisaLetterRequest.requested_at, VisaLetterRequest.decided_at,
                  VisaLetterRequest.erased_at)
        .join(Registration, Registration.id == VisaLetterRequest.registration_id)
        .where(VisaLetterRequest.event_id == event.id)
        .order_by(sa.case((VisaLetterRequest.status == VisaLetterStatus.REQUESTED, 0), else_=1),
                  VisaLetterRequest.requested_at, VisaLetterRequest.id)).all()
    return [RequestRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] is not None)
            for r in rows]


def request_in_event(event: Event, request_id: int) -> VisaLetterRequest:
    """The event's request ``request_id`` (tenancy: another event's is NotFound)."""
    req = db.session.scalar(sa.select(VisaLetterRequest).where(
        VisaLetterRequest.id == request_id, VisaLetterRequest.event_id == event.id))
    if req is None:
        raise NotFound(_("No such request."))
    return req


def _decide(event: Event, request_id: int, actor: User, status: VisaLetterStatus,
            now: datetime) -> VisaLetterRequest:
    found = request_in_event(event, request_id)
    reg = _locked_registration(found.registration_id)
    req = db.session.scalar(sa.select(VisaLetterRequest).where(
        VisaLetterRequest.id == found.id).execution_options(populate_existing=True))
    assert req is not None
    if req.status is not VisaLetterStatus.REQUESTED:
        raise Conflict(_("This request has been decided already."), code="visa_decided")
    if req.erased_at is not None or reg.erased_at is not None:
        raise Conflict(_("The data of this request has been erased."), code="visa_erased")
    if status is VisaLetterStatus.APPROVED and not (
            reg.status is RegistrationStatus.CONFIRMED and reg.modality is Modality.IN_PERSON):
        raise Conflict(_("Only a confirmed in-person registrant can be sent a letter."),
                       code="visa_not_confirmed")
    req.status = status
    req.decided_by_id = actor.id
    req.decided_at = now
    db.session.flush()
    kind = "visa_approved" if status is VisaLetterStatus.APPROVED else "visa_declined"
    # A fresh manage link: the decision may come weeks after the registration's mail.
    mails.send(kind, reg, event, token=links.add_link(reg, now=now))
    return req


@use_case
def approve(event: Event, request_id: int, actor: User, *,
            now: datetime | None = None) -> VisaLetterRequest:
    """Approve a request: the registrant is mailed that the letter is on their page."""
    return _decide(event, request_id, actor, VisaLetterStatus.APPROVED, now or utcnow())


@use_case
def decline(event: Event, request_id: int, actor: User, *,
            now: datetime | None = None) -> VisaLetterRequest:
    """Decline a request: the registrant is mailed."""
    return _decide(event, request_id, actor, VisaLetterStatus.DECLINED, now or utcnow())


# ------------------------------------------------------------------ erasure


def _blank(req: VisaLetterRequest, now: datetime) -> None:
    req.nationality = ""
    req.passport_number = ""
    req.date_of_birth = None
    req.passport_expires_on = None
    req.erased_at = now


def erase_for_registration(registration_id: int, now: datetime) -> None:
    """Blank the passport fields of the registration's request (inside the caller's
    transaction: the registration's erasure)."""
    req = request_of(registration_id)
    if req is not None and req.erased_at is None:
        _blank(req, now)


def erase_after_days(configured: Any) -> int:
    try:
        return max(0, int(configured or 0))
    except (TypeError, ValueError):
        return 0


@use_case
def erase_after_events(days: int = 0, *, now: datetime | None = None) -> int:
    """Blank the passport fields of every request of events that ended at least ``days``
    days ago; returns how many requests were blanked."""
    now = now or utcnow()
    ended = sa.select(Event.id).where(Event.ends_at <= now - timedelta(days=max(0, days)))
    reqs = list(db.session.scalars(sa.select(VisaLetterRequest).where(
        VisaLetterRequest.erased_at.is_(None), VisaLetterRequest.event_id.in_(ended))
        .with_for_update()))
    for req in reqs:
        _blank(req, now)
    return len(reqs)
