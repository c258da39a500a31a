"""Registering: the public form and the API (``register``), "lost your link?" and
"my link leaked"."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import inputs
from ..db_tx import in_use_case, is_sqlite, lock_event, use_case
from ..errors import NotFound
from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, N_, valid_language
from ..models import Event, Registration, RegistrationStatus, User, utcnow
from . import invitations, links, mails, quota
from .answers import Answers, clean_registration, save_answers
from .placing import Full, apply_status, mail_promoted, new_secrets, place, send_fresh_link, status_mail
from .schemas import IfFull, LostLinkSchema, RegistrationData
from .window import public_category, require_offered, require_open


class Outcome(str, Enum):
    CREATED = "created"      # a new registration; the caller may show its manage link
    DUPLICATE = "duplicate"  # the address is registered: a fresh link went to it
    REPLAYED = "replayed"    # the same form sent again: nothing changed


@dataclass
class RegisterResult:
    outcome: Outcome
    registration: Registration | None = None  # CREATED only: never for duplicates
    manage_token: str | None = None  # CREATED only
    promoted: list[Registration] = field(default_factory=list)

    @property
    def status(self) -> RegistrationStatus | None:
        return self.registration.status if self.registration else None


NEUTRAL_MESSAGE = N_("If this address is registered for this event, we have sent it a fresh "
                      "link to manage the registration. Check the mailbox (and its spam folder).")


def registration_by_email(event_id: int, email: str) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event_id, Registration.email == email)
        .execution_options(populate_existing=True))


def fast_path_enabled() -> bool:
    """The PostgreSQL rush path is on unless REGISTRATION_FAST_PATH is false (the tests
    run both paths; SQLite has the general path only)."""
    return not is_sqlite() and bool(current_app.config.get("REGISTRATION_FAST_PATH", True))


def register(event_id: int, raw: dict[str, Any], *, user: User | None = None,
             source: str = "form", if_full: IfFull | str | None = None,
             form_nonce: str | None = None, now: datetime | None = None,
             language: str = DEFAULT_LANGUAGE) -> RegisterResult:
    """Register someone for an event (public form or API).

    ``language``: the one the registrant registered in (the caller's request's): every
    mail about the registration is written in it, this one and later ones.

    A known address gets the neutral answer and a fresh manage link by mail; the
    registration itself is never returned for it.

    Each pass is one use case (``_register_pass``), except the PostgreSQL rush path,
    which commits inside its psycopg pipeline on purpose (the event lock must not wait
    for this process): so ``register`` runs its own transactions and must not be called
    inside a use case.
    """
    if in_use_case():
        raise RuntimeError("register() runs its own transactions: not inside a use case")
    # The answers are checked for the category an invitation opens (an invitation never
    # changes its category; whether it may be used is decided under the lock).
    data, choice, answers = clean_registration(
        event_id, raw, if_full, category=invitations.opened_category(event_id, raw.get("invitation")))
    # The category is checked against the event's public ones on either path
    # (``window.public_category``): organizers register the others.
    now = now or utcnow()
    # Read before any transaction: ending the request's one expires the user.
    user_id = (user.id if user is not None and getattr(user, "is_authenticated", False)
               and user.email == data.email else None)
    # A new address is the usual case: it is inserted without being looked up, and the
    # unique (event, email) constraint tells a known one, so that little happens under
    # the event lock, which queues every registration of the event. Only a known
    # address costs a second pass, which looks it up first.
    language = valid_language(language) or DEFAULT_LANGUAGE
    args = _PassArgs(user_id, source, choice, form_nonce, now, language, answers)
    # Answers (and their documents), registrations on behalf of an organization and
    # registrations with an invitation code are written by the general path only (see
    # rush_pg's module doc).
    if (fast_path_enabled() and not answers and data.organization_id is None
            and not data.invitation):
        from .rush_pg import SLOW, register_pg

        reg, token = new_registration(event_id, data, user_id=user_id, source=source,
                                      form_nonce=form_nonce, language=language)
        result = register_pg(event_id, reg, token, if_full=choice, now=now)
        if isinstance(result, RegisterResult):
            return result
        db.session.rollback()  # known address, or an uncommon case the general path decides
        if result is not SLOW:  # the address is known
            return _look_up_pass(event_id, data, args)
    try:
        return _finish(_register_pass(event_id, data, look_up=False, args=args))
    except _KnownAddress:
        return _look_up_pass(event_id, data, args)


@dataclass
class _PassArgs:
    user_id: int | None
    source: str
    if_full: IfFull | None
    form_nonce: str | None
    now: datetime
    language: str = DEFAULT_LANGUAGE
    answers: Answers = field(default_factory=dict)


def _look_up_pass(event_id: int, data: RegistrationData, args: _PassArgs) -> RegisterResult:
    try:
        return _finish(_register_pass(event_id, data, look_up=True, args=args))
    except _KnownAddress:
        return RegisterResult(Outcome.DUPLICATE)


class _KnownAddress(Exception):
    """The first pass met a known address: roll it back, look the address up."""


def fill(reg: Registration, data: RegistrationData) -> None:
    reg.name = data.name
    reg.email = data.email
    reg.organization = data.organization
    reg.position = data.position
    reg.country = data.country
    reg.stakeholder_type = data.stakeholder_type
    reg.needs = data.needs
    reg.consent_listed = data.consent_listed
    reg.modality = data.modality
    if data.category is not None:  # else decided later (public) or participant (default)
        reg.category = data.category


def account_language(user_id: int | None) -> str:
    """The language an account chose (people an organizer registers), else English."""
    if user_id is None:
        return DEFAULT_LANGUAGE
    code = db.session.scalar(sa.select(User.language).where(User.id == user_id))
    return valid_language(code) or DEFAULT_LANGUAGE


def new_registration(event_id: int, data: RegistrationData, *, user_id: int | None,
                     source: str, form_nonce: str | None,
                     language: str = DEFAULT_LANGUAGE) -> tuple[Registration, str]:
    """A new (unsaved) registration from the public form or the API, with its secrets."""
    reg = Registration(event_id=event_id, source=source, language=language,
                       form_nonce=(form_nonce or None) and form_nonce[:64])
    fill(reg, data)
    reg.user_id = user_id
    return reg, new_secrets(reg)


@use_case
def _register_pass(event_id: int, data: RegistrationData, *, look_up: bool,
                   args: _PassArgs) -> tuple[RegisterResult, dict[str, Any]]:
    """One pass of ``register``, one use case under the event lock: the result and the
    values it wrote (see ``_finish``).

    ``look_up``: look the address up before placing it (else a known address raises
    ``_KnownAddress``, which rolls the pass back).
    """
    reg, token = new_registration(event_id, data, user_id=args.user_id, source=args.source,
                                  form_nonce=args.form_nonce, language=args.language)
    event = lock_event(event_id)
    require_open(event, args.now)
    require_offered(event, data.modality)
    # An invitation is checked (and its uses counted) under the lock; refused, nothing
    # is written. Its category, if it opens one, is the registration's.
    invitation = invitations.redeemable(event, data.invitation, args.now) if data.invitation else None
    if invitation is not None and invitation.category is not None:
        data.category = reg.category = invitation.category
    else:
        data.category = reg.category = public_category(event, data.category)

    if look_up:
        existing = registration_by_email(event.id, data.email)
        if existing is not None:
            if args.form_nonce and existing.form_nonce == args.form_nonce:
                return RegisterResult(Outcome.REPLAYED), {}
            send_fresh_link(event, existing)
            return RegisterResult(Outcome.DUPLICATE), {}

    promoted: list[Registration] = []
    org = quota.organization_of(event.id, data.organization_id) if data.organization_id else None
    if org is not None:
        quota.represent(reg, org)
    # An invitation may skip the organizers' approval, never a focal point's.
    organizers_approve = event.needs_approval(reg.category) and not (
        invitation is not None and invitation.skips_approval)
    if organizers_approve or (org is not None and quota.waits_for_approval(org)):
        reg.modality = data.modality
        apply_status(reg, RegistrationStatus.PENDING, args.now)
    else:
        try:
            status, modality, _over, promoted = place(event, data.modality, args.if_full,
                                                  now=args.now)
        except Full:
            if not look_up and _email_taken(event.id, data.email):
                raise _KnownAddress from None  # the neutral answer, never "full"
            raise
        reg.modality = modality
        apply_status(reg, status, args.now)
    db.session.add(reg)
    save_answers(reg, args.answers)
    # The mail goes in the same flush as the registration (one unit of work under the
    # lock); if the INSERT fails it is rolled back with it.
    mails.send(status_mail(reg.status), reg, event, token=token)
    try:
        db.session.flush()
    except IntegrityError:
        # The address is known (on the look-up pass, only possible if a write bypassed
        # the lock: answered as for a known address too).
        raise _KnownAddress from None
    if invitation is not None:
        invitations.record_use(invitation, reg, args.now)
    mail_promoted(event, promoted)  # after: each gets a fresh manage link (a row)
    return RegisterResult(Outcome.CREATED, reg, token, promoted), _written(reg)


def _finish(outcome: tuple[RegisterResult, dict[str, Any]]) -> RegisterResult:
    """The pass's result, its registration keeping the values it wrote loaded: reading
    them back after the commit would cost one more query."""
    result, written = outcome
    if result.registration is not None:
        for key, value in written.items():
            set_committed_value(result.registration, key, value)
    return result


def _email_taken(event_id: int, email: str) -> bool:
    return db.session.scalar(sa.select(Registration.id).where(
        Registration.event_id == event_id, Registration.email == email)) is not None


def _written(reg: Registration) -> dict[str, Any]:
    """``reg``'s loaded column values (flushed: what this transaction writes)."""
    state = sa.inspect(reg)
    return {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs
            if attr.key in state.dict}


def send_manage_link(event_id: int, email: str) -> None:
    """"Lost your link?": mail a fresh one if the address is registered; say nothing."""
    _send_manage_link(event_id, inputs.load(LostLinkSchema(), {"email": email})["email"])


@use_case
def _send_manage_link(event_id: int, email: str) -> None:
    reg = registration_by_email(event_id, email)
    event = db.session.get(Event, event_id)
    if reg is not None and event is not None:
        send_fresh_link(event, reg)


registration_for_manage_token = links.registration_for_manage_token


@use_case
def report_leak(registration_id: int, *, now: datetime | None = None) -> Registration:
    """"My link leaked": the holder (from the manage page) replaces every secret of the
    registration (manage links, join secret, badge code). The new manage link is only
    mailed to the registered address, never shown: whoever pressed the button may be
    the one who found the leaked link."""
    now = now or utcnow()
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .execution_options(populate_existing=True))
    if reg is None or reg.erased_at is not None:
        raise NotFound(_("No such registration."))
    event = db.session.get(Event, reg.event_id)
    if event is None:
        raise NotFound(_("No such registration."))
    token = links.rotate(reg, event, now=now)
    mails.send("links_replaced", reg, event, token=token)
    return reg
