"""Registration use cases: register, manage (switch, cancel, register again), moderate,
add by hand, register speakers, erase, write to a group.

Every decision about places is made under ``lock_event`` (one writer per event at a
time), counting rows; each use case is one transaction that also holds its mails.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..db_tx import begin_write, in_use_case, is_sqlite, lock_event, use_case
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..mail.delivery import note_queued
from ..models import (
    Category,
    CheckIn,
    Event,
    Modality,
    OutboxMessage,
    OutboxStatus,
    Person,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionRole,
    StakeholderType,
    User,
    utcnow,
)
from ..security import hash_token, new_token
from . import links, mails
from .capacity import (
    capacity_of,
    has_room,
    offered,
    other_modality,
    places,
    promote,
    promote_waitlisted,
)

# ------------------------------------------------------------------ input

LIMITS = {"name": 200, "email": 254, "organization": 200, "position": 200, "country": 100,
          "needs": 2000}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")


class IfFull(str, Enum):
    """What a person wants when the modality they chose is full."""

    WAITLIST = "waitlist"  # join that modality's waiting list
    SWITCH = "switch"      # take the other modality instead (in person full -> online)


IF_FULL_ERROR = "Choose the waiting list or the other way to take part."


def parse_if_full(value: IfFull | str | None) -> IfFull | None:
    """The choice for a full modality (None: not made); an unknown value, which only a
    hand-made request can send, is a field error, never a 500."""
    if value is None or value == "":
        return None
    if isinstance(value, IfFull):
        return value
    try:
        return IfFull(str(value))
    except ValueError:
        raise ValidationFailed("Unknown choice for when places are full.",
                               fields={"if_full": [IF_FULL_ERROR]}) from None


def clean_with_if_full(raw: dict, if_full: IfFull | str | None) -> tuple[RegistrationData, IfFull | None]:
    """``clean`` and ``parse_if_full`` together, so every field error shows at once."""
    try:
        choice = parse_if_full(if_full)
    except ValidationFailed as exc:
        try:
            clean(raw)
        except ValidationFailed as other:
            raise ValidationFailed(other.message, fields={**other.fields, **exc.fields}) from None
        raise
    return clean(raw), choice


@dataclass
class RegistrationData:
    """Validated input of a registration."""

    name: str
    email: str
    modality: Modality
    organization: str = ""
    position: str = ""
    country: str = ""
    stakeholder_type: StakeholderType | None = None
    needs: str = ""
    consent_listed: bool = False
    category: Category = Category.PARTICIPANT


def normalize_email(value: str | None) -> str:
    """The address in lower case, or ValidationFailed with a clear message."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("Enter your email address.", fields={"email": ["Enter your email address."]})
    if len(value) > LIMITS["email"]:
        raise ValidationFailed("The email address is too long.",
                               fields={"email": [f"At most {LIMITS['email']} characters."]})
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("That is not a valid email address.",
                               fields={"email": ["That is not a valid email address."]}) from None
    return checked.normalized.lower()


def _enum(enum_cls, value, field_name: str, errors: dict, *, required: bool, label: str):
    if value is None or value == "":
        if required:
            errors[field_name] = [f"Choose {label}."]
        return None
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(str(value))
    except ValueError:
        errors[field_name] = [f"Unknown {label}: choose one of the list."]
        return None


def clean(raw: dict) -> RegistrationData:
    """Validate a registration's fields (from the form or the API); all errors at once."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name in ("name", "organization", "position", "country", "needs"):
        value = raw.get(name)
        value = "" if value is None else str(value)
        if name == "needs":
            value = _CONTROL.sub("", value).strip()
        else:
            value = " ".join(_CONTROL_ONE_LINE.sub(" ", value).split())
        if len(value) > LIMITS[name]:
            errors[name] = [f"At most {LIMITS[name]} characters."]
        values[name] = value
    if not values["name"]:
        errors["name"] = ["Enter your name."]
    try:
        email = normalize_email(raw.get("email"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        email = ""
    modality = _enum(Modality, raw.get("modality"), "modality", errors, required=True,
                     label="how you will take part")
    stakeholder = _enum(StakeholderType, raw.get("stakeholder_type"), "stakeholder_type", errors,
                        required=False, label="stakeholder type")
    category = _enum(Category, raw.get("category") or Category.PARTICIPANT.value, "category",
                     errors, required=True, label="category")
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"Please correct the form: {first}" if len(errors) == 1
                               else "Please correct the highlighted fields.", fields=errors)
    return RegistrationData(
        name=values["name"], email=email, modality=modality,
        organization=values["organization"], position=values["position"],
        country=values["country"], stakeholder_type=stakeholder, needs=values["needs"],
        consent_listed=bool(raw.get("consent_listed")), category=category)


# ------------------------------------------------------------------ window


@dataclass
class Window:
    open: bool
    reason: str  # "open", "not_published", "not_yet", "closed"
    message: str


def window(event: Event, now: datetime | None = None) -> Window:
    """Whether the event takes registrations now, and if not, why."""
    from ..timefmt import format_event_date, format_event_time

    now = now or utcnow()
    if not event.published:
        return Window(False, "not_published", "This event is not published yet.")
    if event.registration_opens_at and now < event.registration_opens_at:
        when = (format_event_date(event.registration_opens_at, event.timezone) + ", "
                + format_event_time(event.registration_opens_at, event.timezone))
        return Window(False, "not_yet", f"Registration opens on {when} ({event.timezone}).")
    closes = event.registration_closes_at or event.ends_at
    if now >= closes:
        return Window(False, "closed", "Registration is closed.")
    return Window(True, "open", "Registration is open.")


def _require_open(event: Event, now: datetime) -> None:
    w = window(event, now)
    if not w.open:
        raise Conflict(w.message, code="registration_closed")


def _require_offered(event: Event, modality: Modality) -> None:
    if not offered(event, modality):
        only = "online" if event.offers_online else "in person"
        raise ValidationFailed(f"This event takes place {only} only.",
                               fields={"modality": [f"This event takes place {only} only."]})


# ------------------------------------------------------------------ placing


class Full(Conflict):
    """The chosen modality is full and the person has not said what they want instead."""

    code = "full"


def _full_message(event: Event, modality: Modality) -> str:
    if modality is Modality.IN_PERSON:
        alt = " or follow online" if event.offers_online else ""
        return f"In-person places are full. You can join the waiting list{alt}."
    return "Online places are full. You can join the waiting list."


def _place(event: Event, modality: Modality, if_full: IfFull | None, *, over_capacity: bool = False,
           now: datetime) -> tuple[RegistrationStatus, Modality, bool, list[Registration]]:
    """Decide (under the lock) the status and modality of a new or returning registration.

    Returns (status, modality, placed over capacity, people promoted from the waiting list).
    Free places go to the waiting list first, then to the newcomer.
    """
    counts = places(event, modality)
    promoted = promote(event, modality, counts, now)
    if counts.has_room:
        return RegistrationStatus.CONFIRMED, modality, False, promoted
    if over_capacity:
        return RegistrationStatus.CONFIRMED, modality, True, promoted
    if if_full is IfFull.WAITLIST:
        return RegistrationStatus.WAITLISTED, modality, False, promoted
    other = other_modality(modality)
    if if_full is IfFull.SWITCH and offered(event, other):
        other_counts = places(event, other)
        promoted += promote(event, other, other_counts, now)
        if other_counts.has_room:
            return RegistrationStatus.CONFIRMED, other, False, promoted
        raise Full("Both in-person and online places are full. You can join the waiting list.",
                   fields={"if_full": ["Both modalities are full: choose the waiting list."]})
    raise Full(_full_message(event, modality),
               fields={"if_full": ["Choose the waiting list or the other way to take part."]})


def _apply_status(reg: Registration, status: RegistrationStatus, now: datetime) -> None:
    reg.status = status
    reg.confirmed_at = now if status is RegistrationStatus.CONFIRMED else None
    reg.waitlisted_at = now if status is RegistrationStatus.WAITLISTED else None


def _mail_promoted(event: Event, promoted: list[Registration]) -> None:
    for reg in promoted:
        mails.send("promoted", reg, event)


def _new_secrets(reg: Registration) -> str:
    """Fresh manage link, badge code and join secret; returns the plain manage token."""
    token = new_token()
    reg.manage_token_hash = hash_token(token)
    reg.badge_code = new_token()
    reg.join_token = new_token()
    return token


def _kill_secrets(reg: Registration) -> None:
    """Cancelled, declined or erased: badge and join links stop working."""
    reg.badge_code = None
    reg.join_token = None


# ------------------------------------------------------------------ register


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


NEUTRAL_MESSAGE = ("If this address is registered for this event, we have sent it a fresh "
                   "link to manage the registration. Check the mailbox (and its spam folder).")


def registration_by_email(event_id: int, email: str) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event_id, Registration.email == email)
        .execution_options(populate_existing=True))


def _send_fresh_link(event: Event, reg: Registration) -> None:
    """Mail one more manage link to the registered address. It never revokes the link
    the holder has: whoever knows the address may ask (see ``links``)."""
    token = links.add_link(reg)
    mails.send("manage_link", reg, event, token=token)


def register(event_id: int, raw: dict, *, user: User | None = None, source: str = "form",
             if_full: IfFull | str | None = None, form_nonce: str | None = None,
             now: datetime | None = None) -> RegisterResult:
    """Register someone for an event (public form or API).

    A known address gets the neutral answer and a fresh manage link by mail; the
    registration itself is never returned for it.

    Each pass is one use case (``_register_pass``), except the PostgreSQL rush path,
    which commits inside its psycopg pipeline on purpose (the event lock must not wait
    for this process): so ``register`` runs its own transactions and must not be called
    inside a use case.
    """
    if in_use_case():
        raise RuntimeError("register() runs its own transactions: not inside a use case")
    data, if_full = clean_with_if_full(raw, if_full)
    now = now or utcnow()
    # Read before any transaction: ending the request's one expires the user.
    user_id = (user.id if user is not None and getattr(user, "is_authenticated", False)
               and user.email == data.email else None)
    # A new address is the usual case: it is inserted without being looked up, and the
    # unique (event, email) constraint tells a known one, so that little happens under
    # the event lock, which queues every registration of the event. Only a known
    # address costs a second pass, which looks it up first.
    args = {"user_id": user_id, "source": source, "if_full": if_full,
            "form_nonce": form_nonce, "now": now}
    if not is_sqlite():
        reg, token = _new_registration(event_id, data, user_id=user_id, source=source,
                                       form_nonce=form_nonce)
        result = _register_pg(event_id, reg, token, if_full=if_full, now=now)
        if isinstance(result, RegisterResult):
            return result
        db.session.rollback()  # known address, or an uncommon case the general path decides
        if result is None:
            return _look_up_pass(event_id, data, args)
    try:
        return _finish(_register_pass(event_id, data, look_up=False, **args))
    except _KnownAddress:
        return _look_up_pass(event_id, data, args)


def _look_up_pass(event_id: int, data: RegistrationData, args: dict) -> RegisterResult:
    try:
        return _finish(_register_pass(event_id, data, look_up=True, **args))
    except _KnownAddress:
        return RegisterResult(Outcome.DUPLICATE)


class _KnownAddress(Exception):
    """The first pass met a known address: roll it back, look the address up."""


def _new_registration(event_id: int, data: RegistrationData, *, user_id: int | None,
                      source: str, form_nonce: str | None) -> tuple[Registration, str]:
    reg = Registration(event_id=event_id, category=Category.PARTICIPANT, source=source,
                       form_nonce=(form_nonce or None) and form_nonce[:64])
    _fill(reg, data)
    reg.category = Category.PARTICIPANT  # only organizers choose another category
    reg.user_id = user_id
    return reg, _new_secrets(reg)


@use_case
def _register_pass(event_id: int, data: RegistrationData, *, look_up: bool,
                   user_id: int | None, source: str, if_full: IfFull | None,
                   form_nonce: str | None, now: datetime) -> tuple[RegisterResult, dict]:
    """One pass of ``register``, one use case under the event lock: the result and the
    values it wrote (see ``_finish``).

    ``look_up``: look the address up before placing it (else a known address raises
    ``_KnownAddress``, which rolls the pass back).
    """
    reg, token = _new_registration(event_id, data, user_id=user_id, source=source,
                                   form_nonce=form_nonce)
    event = lock_event(event_id)
    _require_open(event, now)
    _require_offered(event, data.modality)

    if look_up:
        existing = registration_by_email(event.id, data.email)
        if existing is not None:
            if form_nonce and existing.form_nonce == form_nonce:
                return RegisterResult(Outcome.REPLAYED), {}
            _send_fresh_link(event, existing)
            return RegisterResult(Outcome.DUPLICATE), {}

    promoted: list[Registration] = []
    if event.registration_requires_approval:
        reg.modality = data.modality
        _apply_status(reg, RegistrationStatus.PENDING, now)
    else:
        try:
            status, modality, _, promoted = _place(event, data.modality, if_full, now=now)
        except Full:
            if not look_up and _email_taken(event.id, data.email):
                raise _KnownAddress from None  # the neutral answer, never "full"
            raise
        reg.modality = modality
        _apply_status(reg, status, now)
    db.session.add(reg)
    # The mails go in the same flush as the registration (one unit of work under the
    # lock); if the INSERT fails they are rolled back with it.
    _mail_promoted(event, promoted)
    mails.send(_status_mail(reg.status), reg, event, token=token)
    try:
        db.session.flush()
    except IntegrityError:
        # The address is known (on the look-up pass, only possible if a write bypassed
        # the lock: answered as for a known address too).
        raise _KnownAddress from None
    return RegisterResult(Outcome.CREATED, reg, token, promoted), _written(reg)


def _finish(outcome: tuple[RegisterResult, dict]) -> RegisterResult:
    """The pass's result, its registration keeping the values it wrote loaded: reading
    them back after the commit would cost one more query."""
    result, written = outcome
    if result.registration is not None:
        for key, value in written.items():
            set_committed_value(result.registration, key, value)
    return result


# ------------------------------------------------------------------ register: PostgreSQL rush path
#
# The event lock queues every registration of the event, so on PostgreSQL the usual
# cases (a new address placed as chosen, or put on the waiting list it asked for, or
# left pending moderation) hold it for two statements and the COMMIT, sent together in
# one psycopg pipeline (see _lock_place_commit), so no Python work and no network round
# trip happens under it: everything else is done before the lock, on a snapshot of the
# event (mails rendered for each possible outcome). The lock is taken only if the event
# row is still that snapshot (same xmin: no UPDATE committed since), so every check
# made on it still holds. Then ONE statement counts the modality's rows (a new
# statement, hence a snapshot taken after the lock: it sees every registration
# committed by the previous holder; counting in the statement that waits for the lock
# would not), decides the status by CASE, inserts the registration (ON CONFLICT on
# (event, email): a known address inserts nothing) and its mail.
# Anything else (waiting list to promote, full without a waitlist choice, switch of
# modality, event changed in between) inserts nothing and takes the general path.

_SLOW = object()

_LOCK_IF_UNCHANGED = sa.text(
    "SELECT 1 FROM events WHERE id = :event_id AND xmin = CAST(:xmin AS xid) "
    "FOR NO KEY UPDATE")

_PLACE_AND_INSERT = sa.text("""
WITH c AS (
    SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
           count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
    FROM registrations
    WHERE event_id = CAST(:event_id AS INTEGER) AND modality = CAST(:modality AS VARCHAR)
      AND status IN ('confirmed', 'waitlisted')
), d AS (
    SELECT CASE
        WHEN CAST(:fixed_status AS VARCHAR) IS NOT NULL THEN CAST(:fixed_status AS VARCHAR)
        WHEN CAST(:capacity AS INTEGER) IS NULL OR c.confirmed < CAST(:capacity AS INTEGER)
            THEN CASE WHEN c.waitlisted = 0 THEN 'confirmed' END
        WHEN CAST(:waitlist AS BOOLEAN) THEN 'waitlisted'
    END AS status
    FROM c
    -- the event is still the snapshot the caller checked (see _LOCK_IF_UNCHANGED)
    WHERE EXISTS (SELECT 1 FROM events
                  WHERE id = CAST(:event_id AS INTEGER) AND xmin = CAST(:xmin AS xid))
), r AS (
    INSERT INTO registrations (
        event_id, user_id, name, email, organization, position, country, stakeholder_type,
        modality, category, status, needs, consent_listed, source, over_capacity,
        manage_token_hash, badge_code, join_token, form_nonce, created_at, updated_at,
        waitlisted_at, confirmed_at)
    SELECT CAST(:event_id AS INTEGER), CAST(:user_id AS INTEGER), CAST(:name AS VARCHAR),
        CAST(:email AS VARCHAR), CAST(:organization AS VARCHAR), CAST(:position AS VARCHAR),
        CAST(:country AS VARCHAR), CAST(:stakeholder_type AS VARCHAR),
        CAST(:modality AS VARCHAR), CAST(:category AS VARCHAR), d.status, CAST(:needs AS TEXT),
        CAST(:consent_listed AS BOOLEAN), CAST(:source AS VARCHAR), false,
        CAST(:manage_token_hash AS VARCHAR), CAST(:badge_code AS VARCHAR),
        CAST(:join_token AS VARCHAR), CAST(:form_nonce AS VARCHAR),
        CAST(:created_at AS TIMESTAMPTZ), CAST(:created_at AS TIMESTAMPTZ),
        CASE WHEN d.status = 'waitlisted' THEN CAST(:now AS TIMESTAMPTZ) END,
        CASE WHEN d.status = 'confirmed' THEN CAST(:now AS TIMESTAMPTZ) END
    FROM d WHERE d.status IS NOT NULL
    ON CONFLICT (event_id, email) DO NOTHING
    RETURNING id, status
), m AS (
    INSERT INTO outbox (event_id, kind, to_address, subject, body_text, body_html, status,
                        attempts, last_error, created_at, next_attempt_at)
    SELECT CAST(:event_id AS INTEGER),
        CASE r.status WHEN 'waitlisted' THEN CAST(:w_kind AS VARCHAR)
             ELSE CAST(:c_kind AS VARCHAR) END,
        CAST(:email AS VARCHAR),
        CASE r.status WHEN 'waitlisted' THEN CAST(:w_subject AS VARCHAR)
             ELSE CAST(:c_subject AS VARCHAR) END,
        CASE r.status WHEN 'waitlisted' THEN CAST(:w_text AS TEXT)
             ELSE CAST(:c_text AS TEXT) END,
        CASE r.status WHEN 'waitlisted' THEN CAST(:w_html AS TEXT)
             ELSE CAST(:c_html AS TEXT) END,
        'pending', 0, '', CAST(:created_at AS TIMESTAMPTZ), CAST(:created_at AS TIMESTAMPTZ)
    FROM r
    RETURNING id
)
SELECT d.status, r.id, (SELECT m.id FROM m) FROM d LEFT JOIN r ON true
""")

# The same statements for psycopg itself (pipeline mode).
_LOCK_SQL = re.sub(r"(?<!:):(\w+)", r"%(\1)s", _LOCK_IF_UNCHANGED.text)
_PLACE_SQL = re.sub(r"(?<!:):(\w+)", r"%(\1)s", _PLACE_AND_INSERT.text)


def _lock_place_commit(params: dict) -> tuple | None:
    """Lock the event row if unchanged, place and insert, COMMIT: the (status, registration
    id, mail id) row, or None when nothing was inserted because the event changed.

    With psycopg the three statements go in one pipeline, one network round trip: the
    server takes the lock, runs the insert (a statement of its own, so its snapshot is
    taken after the lock) and commits, with no wait for this process in between, so the
    lock is held for the server's work only. It is safe to send the insert without
    seeing the lock's answer: the insert re-checks the event's xmin, which cannot match
    when the lock found the row changed (xmin never goes back), and whatever it did not
    insert makes the COMMIT commit nothing.
    """
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    import psycopg

    if isinstance(raw, psycopg.Connection) and psycopg.Pipeline.is_supported():
        with raw.pipeline():
            raw.execute(_LOCK_SQL, params)
            cur = raw.execute(_PLACE_SQL, params)
            raw.commit()
        row = cur.fetchone()  # SQLAlchemy's COMMIT that follows finds nothing to do
    else:
        if conn.execute(_LOCK_IF_UNCHANGED, params).first() is None:
            return None
        row = conn.execute(_PLACE_AND_INSERT, params).first()
        db.session.commit()
    return tuple(row) if row is not None else None


def _register_pg(event_id: int, reg: Registration, token: str, *, if_full: IfFull | None,
                 now: datetime):
    """A new address on PostgreSQL: the registration, None (the address is known) or
    _SLOW (the general path must decide; the caller rolls back)."""
    begin_write()
    row = db.session.execute(
        sa.select(Event, sa.literal_column("events.xmin::text")).where(Event.id == event_id)
        .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound("No such event.")
    event, xmin = row
    _require_open(event, now)
    _require_offered(event, reg.modality)
    chosen = reg.modality
    if event.registration_requires_approval:
        fixed: RegistrationStatus | None = RegistrationStatus.PENDING
        kinds = {"c": "pending", "w": "pending"}
    else:
        fixed = None
        kinds = {"c": "confirmation",
                 "w": "waitlisted" if if_full is IfFull.WAITLIST else "confirmation"}
    rendered = {}
    for key, kind in kinds.items():
        if key == "w" and kind == kinds["c"]:
            rendered[key] = rendered["c"]
        else:
            rendered[key] = mails.render(kind, reg, event, token=token)
    created = utcnow()
    now_utc = now.astimezone(UTC)
    params = {
        "event_id": event_id, "xmin": xmin, "modality": chosen.value,
        "fixed_status": fixed.value if fixed else None,
        "capacity": capacity_of(event, chosen), "waitlist": if_full is IfFull.WAITLIST,
        "user_id": reg.user_id, "name": reg.name, "email": reg.email,
        "organization": reg.organization, "position": reg.position, "country": reg.country,
        "stakeholder_type": reg.stakeholder_type.value if reg.stakeholder_type else None,
        "category": reg.category.value, "needs": reg.needs,
        "consent_listed": reg.consent_listed, "source": reg.source,
        "manage_token_hash": reg.manage_token_hash, "badge_code": reg.badge_code,
        "join_token": reg.join_token, "form_nonce": reg.form_nonce,
        "created_at": created, "now": now_utc,
    }
    for key, mail in rendered.items():
        params.update({f"{key}_kind": mail["kind"][:40], f"{key}_subject": mail["subject"][:300],
                       f"{key}_text": mail["text"], f"{key}_html": mail["html"]})
    # The event lock is held only inside this call (committed, even when nothing was
    # inserted: then the caller's rollback finds nothing to undo).
    row = _lock_place_commit(params)
    db.session.commit()
    if row is None or row[0] is None:
        # The event changed since it was read, or the general path must decide
        # (a waiting list to promote, full without a waitlist choice).
        return _SLOW
    status, reg_id, mail_id = row
    if reg_id is None:
        return None  # the address is known
    status = RegistrationStatus(status)
    reg.id = reg_id
    reg.status = status
    reg.over_capacity = False
    reg.created_at = reg.updated_at = created
    reg.confirmed_at = now_utc if status is RegistrationStatus.CONFIRMED else None
    reg.waitlisted_at = now_utc if status is RegistrationStatus.WAITLISTED else None
    for attr in ("badge_printed_at", "cancelled_at", "decided_by_id", "erased_at",
                 "secrets_rotated_at"):
        setattr(reg, attr, None)
    make_transient_to_detached(reg)
    db.session.add(reg)
    mail = rendered["w" if status is RegistrationStatus.WAITLISTED else "c"]
    msg = OutboxMessage(id=mail_id, event_id=event_id, kind=mail["kind"][:40],
                        to_address=mail["to"], subject=mail["subject"][:300],
                        body_text=mail["text"], body_html=mail["html"],
                        status=OutboxStatus.PENDING, attempts=0, last_error="",
                        created_at=created, next_attempt_at=created, sent_at=None)
    make_transient_to_detached(msg)
    db.session.add(msg)
    note_queued(msg)
    return RegisterResult(Outcome.CREATED, reg, token, [])


def _email_taken(event_id: int, email: str) -> bool:
    return db.session.scalar(sa.select(Registration.id).where(
        Registration.event_id == event_id, Registration.email == email)) is not None


def _written(reg: Registration) -> dict:
    """``reg``'s loaded column values (flushed: what this transaction writes)."""
    state = sa.inspect(reg)
    return {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs
            if attr.key in state.dict}


def _status_mail(status: RegistrationStatus) -> str:
    return {RegistrationStatus.CONFIRMED: "confirmation",
            RegistrationStatus.WAITLISTED: "waitlisted",
            RegistrationStatus.PENDING: "pending"}[status]


def _fill(reg: Registration, data: RegistrationData) -> None:
    reg.name = data.name
    reg.email = data.email
    reg.organization = data.organization
    reg.position = data.position
    reg.country = data.country
    reg.stakeholder_type = data.stakeholder_type
    reg.needs = data.needs
    reg.consent_listed = data.consent_listed
    reg.modality = data.modality
    reg.category = data.category


def send_manage_link(event_id: int, email: str) -> None:
    """"Lost your link?": mail a fresh one if the address is registered; say nothing."""
    _send_manage_link(event_id, normalize_email(email))


@use_case
def _send_manage_link(event_id: int, email: str) -> None:
    reg = registration_by_email(event_id, email)
    event = db.session.get(Event, event_id)
    if reg is not None and event is not None:
        _send_fresh_link(event, reg)


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
        raise NotFound("No such registration.")
    event = db.session.get(Event, reg.event_id)
    token = links.rotate(reg, event, now=now)
    mails.send("links_replaced", reg, event, token=token)
    return reg


# ------------------------------------------------------------------ manage


def _locked(registration_id: int) -> tuple[Event, Registration]:
    """Lock the registration's event, then read the registration afresh."""
    event_id = db.session.scalar(sa.select(Registration.event_id).where(
        Registration.id == registration_id))
    if event_id is None:
        raise NotFound("No such registration.")
    event = lock_event(event_id)
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .execution_options(populate_existing=True))
    if reg is None:
        raise NotFound("No such registration.")
    return event, reg


ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)


@use_case
def cancel(registration_id: int, *, now: datetime | None = None) -> Registration:
    """Cancel; a freed place goes to the first on that modality's waiting list."""
    now = now or utcnow()
    event, reg = _locked(registration_id)
    if reg.status not in ACTIVE:
        raise Conflict(f"This registration is already {reg.status.label.lower()}.",
                       code="not_active")
    was_confirmed = reg.status is RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = now
    reg.waitlisted_at = None
    _kill_secrets(reg)
    db.session.flush()
    mails.send("cancelled", reg, event)
    if was_confirmed:
        _mail_promoted(event, promote_waitlisted(event, reg.modality, now))
    return reg


def switch_modality(registration_id: int, modality: Modality | str, *,
                    now: datetime | None = None) -> Registration:
    """Change in person <-> online, only where a place is free (under the lock)."""
    now = now or utcnow()
    try:
        new = Modality(modality)
    except ValueError:
        raise ValidationFailed("Unknown way to take part.",
                               fields={"modality": ["Choose in person or online."]}) from None
    reg, full = _switch_modality(registration_id, new, now)
    if full is not None:
        raise full  # after the commit: the promotions it made stand
    return reg


@use_case
def _switch_modality(registration_id: int, new: Modality,
                     now: datetime) -> tuple[Registration, Full | None]:
    event, reg = _locked(registration_id)
    if reg.status not in ACTIVE:
        raise Conflict(f"This registration is {reg.status.label.lower()}.", code="not_active")
    if now >= event.ends_at:
        raise Conflict("The event is over.", code="event_over")
    _require_offered(event, new)
    if new is reg.modality:
        return reg, None
    old = reg.modality
    if reg.status is RegistrationStatus.PENDING:
        reg.modality = new
    else:
        # The new modality's waiting list keeps its turn before anyone switching in.
        promoted = promote_waitlisted(event, new, now)
        if not has_room(event, new):
            _mail_promoted(event, promoted)
            # The promotions stand even though this switch fails: commit, then raise.
            return reg, Full("In-person places are full." if new is Modality.IN_PERSON
                             else "Online places are full.",
                             fields={"modality": ["No place is free."]})
        was_confirmed = reg.status is RegistrationStatus.CONFIRMED
        reg.modality = new
        _apply_status(reg, RegistrationStatus.CONFIRMED, now)
        db.session.flush()
        if was_confirmed:
            promoted += promote_waitlisted(event, old, now)
        _mail_promoted(event, promoted)
    mails.send("modality_changed", reg, event)
    return reg, None


@use_case
def register_again(registration_id: int, *, if_full: IfFull | str | None = None,
                   now: datetime | None = None) -> tuple[Registration, str]:
    """A cancelled registration taken up again from its manage page (window open)."""
    now = now or utcnow()
    if_full = parse_if_full(if_full)
    event, reg = _locked(registration_id)
    if reg.status is not RegistrationStatus.CANCELLED or reg.erased_at:
        raise Conflict("Only a cancelled registration can be taken up again.", code="not_cancelled")
    _require_open(event, now)
    _require_offered(event, reg.modality)
    promoted: list[Registration] = []
    if event.registration_requires_approval:
        _apply_status(reg, RegistrationStatus.PENDING, now)
    else:
        status, modality, _, promoted = _place(event, reg.modality, if_full, now=now)
        reg.modality = modality
        _apply_status(reg, status, now)
    reg.cancelled_at = None
    token = _new_secrets(reg)  # the page that asked gets the new link
    links.drop_links(reg)  # and the extra links die with the old first one
    db.session.flush()
    _mail_promoted(event, promoted)
    mails.send(_status_mail(reg.status), reg, event, token=token)
    return reg, token


# ------------------------------------------------------------------ organizers


def _in_event(event: Event, registration_id: int) -> int:
    found = db.session.scalar(sa.select(Registration.id).where(
        Registration.id == registration_id, Registration.event_id == event.id))
    if found is None:
        raise NotFound("No such registration.")
    return found


@use_case
def approve(event: Event, registration_id: int, actor: User, *,
            now: datetime | None = None) -> Registration:
    """Approve a pending registration: confirmed if a place is free, else waiting list."""
    now = now or utcnow()
    _in_event(event, registration_id)
    event, reg = _locked(registration_id)
    if reg.status is not RegistrationStatus.PENDING:
        raise Conflict("Only a pending registration can be approved.", code="not_pending")
    status, modality, _, promoted = _place(event, reg.modality, IfFull.WAITLIST, now=now)
    reg.modality = modality
    _apply_status(reg, status, now)
    reg.decided_by_id = actor.id
    db.session.flush()
    _mail_promoted(event, promoted)
    mails.send("approved", reg, event)
    return reg


@use_case
def decline(event: Event, registration_id: int, actor: User, *,
            now: datetime | None = None) -> Registration:
    """Decline a pending (or waitlisted, or confirmed) registration."""
    now = now or utcnow()
    _in_event(event, registration_id)
    event, reg = _locked(registration_id)
    if reg.status not in ACTIVE:
        raise Conflict(f"This registration is already {reg.status.label.lower()}.",
                       code="not_active")
    was_confirmed = reg.status is RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.DECLINED
    reg.waitlisted_at = None
    reg.decided_by_id = actor.id
    _kill_secrets(reg)
    db.session.flush()
    mails.send("declined", reg, event)
    if was_confirmed:
        _mail_promoted(event, promote_waitlisted(event, reg.modality, now))
    return reg


@use_case
def change_category(event: Event, registration_id: int, category: Category | str) -> Registration:
    try:
        category = Category(category)
    except ValueError:
        raise ValidationFailed("Unknown category.", fields={"category": ["Unknown category."]}) from None
    _in_event(event, registration_id)
    reg = db.session.get(Registration, registration_id)
    reg.category = category
    return reg


@use_case
def add_by_hand(event: Event, raw: dict, actor: User, *, over_capacity: bool = False,
                if_full: IfFull | str | None = None, now: datetime | None = None) -> Registration:
    """An organizer registers someone (a VIP, a speaker): no moderation; over capacity
    only when ``over_capacity`` is set. The person gets the confirmation and the link."""
    data, if_full = clean_with_if_full(raw, if_full)
    now = now or utcnow()
    event = lock_event(event.id)
    _require_offered(event, data.modality)
    if registration_by_email(event.id, data.email) is not None:
        raise Conflict("This address is already registered for the event.",
                       fields={"email": ["Already registered: find it in the list."]},
                       code="duplicate")
    reg = Registration(event_id=event.id, source="organizer", decided_by_id=actor.id)
    _fill(reg, data)
    linked = db.session.scalar(sa.select(User.id).where(User.email == data.email))
    reg.user_id = linked
    status, modality, over, promoted = _place(event, data.modality, if_full,
                                              over_capacity=over_capacity, now=now)
    reg.modality = modality
    reg.over_capacity = over
    _apply_status(reg, status, now)
    token = _new_secrets(reg)
    db.session.add(reg)
    db.session.flush()
    _mail_promoted(event, promoted)
    mails.send(_status_mail(reg.status), reg, event, token=token)
    return reg


@use_case
def erase(event: Event, registration_id: int, actor: User, *,
          now: datetime | None = None) -> Registration:
    """Remove a person's personal data; the row stays (anonymized) and keeps counting."""
    now = now or utcnow()
    _in_event(event, registration_id)
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id)
                            .execution_options(populate_existing=True))
    if reg.erased_at:
        raise Conflict("This registration is already erased.", code="already_erased")
    old_email = reg.email
    reg.name = "Erased"
    reg.email = f"erased-{reg.id}-{new_token(9)}@erased.invalid"
    reg.organization = reg.position = reg.country = reg.needs = ""
    reg.stakeholder_type = None
    reg.consent_listed = False
    reg.user_id = None
    reg.form_nonce = None
    reg.erased_at = now
    links.kill_manage_links(reg)
    _kill_secrets(reg)
    # Mail to the address (sent or not) is personal data too.
    db.session.execute(sa.delete(OutboxMessage).where(
        OutboxMessage.event_id == event.id, OutboxMessage.to_address == old_email))
    return reg


# ------------------------------------------------------------------ speakers


@dataclass
class SpeakerRow:
    person: Person
    email: str  # the linked account's address, or "" (the organizer types it)
    registration: Registration | None  # already registered (by account or address)


def programme_speakers(event: Event) -> list[SpeakerRow]:
    """People with a role on the event's sessions, with their known address and whether
    they are registered already (fixed number of queries)."""
    people = list(db.session.scalars(
        sa.select(Person).join(SessionRole, SessionRole.person_id == Person.id)
        .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
        .where(ProgrammeSession.event_id == event.id)
        .options(sa.orm.selectinload(Person.user))
        .distinct().order_by(Person.name, Person.id)))
    regs = list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)))
    by_user = {r.user_id: r for r in regs if r.user_id}
    by_email = {r.email: r for r in regs}
    rows = []
    for p in people:
        email = p.user.email if p.user else ""
        reg = (by_user.get(p.user_id) if p.user_id else None) or (by_email.get(email) if email else None)
        rows.append(SpeakerRow(p, email, reg))
    return rows


@dataclass
class SpeakerReport:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no address given


@use_case
def register_speakers(event: Event, emails: dict[int, str], actor: User, *,
                      over_capacity: bool = True, now: datetime | None = None) -> SpeakerReport:
    """Register every programme speaker in one step (one transaction), as category
    speaker, in person when the event offers it.

    Person has no address of its own: a linked account's address is used, and the
    organizer types the others (``emails``: person id -> address, overriding).
    """
    now = now or utcnow()
    rows = programme_speakers(event)
    errors: dict[str, list[str]] = {}
    wanted: list[tuple[SpeakerRow, str]] = []
    for row in rows:
        typed = (emails.get(row.person.id) or "").strip()
        address = typed or row.email
        if row.registration is not None:
            continue
        if not address:
            continue
        try:
            wanted.append((row, normalize_email(address)))
        except ValidationFailed:
            errors[f"email_{row.person.id}"] = [f"{row.person.name}: not a valid email address."]
    if errors:
        raise ValidationFailed("Some addresses are not valid.", fields=errors)
    report = SpeakerReport()
    event = lock_event(event.id)
    modality = Modality.IN_PERSON if event.offers_in_person else Modality.ONLINE
    seen: set[str] = set()
    for row in rows:
        if row.registration is not None:
            report.already.append(row.person.name)
    for row, address in wanted:
        existing = registration_by_email(event.id, address)
        if existing is not None or address in seen:
            if existing is not None and existing.category is Category.PARTICIPANT:
                existing.category = Category.SPEAKER
            report.already.append(row.person.name)
            continue
        seen.add(address)
        reg = Registration(event_id=event.id, source="organizer", decided_by_id=actor.id,
                           name=row.person.name, email=address,
                           organization=row.person.organization or "",
                           position=(row.person.position or "")[:200],
                           country=row.person.country or "", modality=modality,
                           category=Category.SPEAKER, consent_listed=False,
                           user_id=row.person.user_id)
        status, placed, over, promoted = _place(
            event, modality, IfFull.WAITLIST, over_capacity=over_capacity, now=now)
        reg.modality, reg.over_capacity = placed, over
        _apply_status(reg, status, now)
        token = _new_secrets(reg)
        db.session.add(reg)
        db.session.flush()
        _mail_promoted(event, promoted)
        mails.send(_status_mail(reg.status), reg, event, token=token)
        report.registered.append(row.person.name)
    report.skipped = [r.person.name for r in rows if r.registration is None
                      and not ((emails.get(r.person.id) or "").strip() or r.email)]
    return report


# ------------------------------------------------------------------ lists


@dataclass
class Filters:
    q: str = ""
    modality: Modality | None = None
    status: RegistrationStatus | None = None
    category: Category | None = None
    checked_in: bool | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """From query arguments; unknown values are ignored rather than failing."""
        def pick(enum_cls, key):
            try:
                return enum_cls(args.get(key)) if args.get(key) else None
            except ValueError:
                return None

        checked = args.get("checked_in")
        return cls(q=(args.get("q") or "").strip()[:200], modality=pick(Modality, "modality"),
                   status=pick(RegistrationStatus, "status"), category=pick(Category, "category"),
                   checked_in={"yes": True, "no": False}.get(checked))

    def as_args(self) -> dict:
        out = {}
        if self.q:
            out["q"] = self.q
        for key in ("modality", "status", "category"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key).value
        if self.checked_in is not None:
            out["checked_in"] = "yes" if self.checked_in else "no"
        return out


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def registrant_query(event: Event, filters: Filters) -> sa.Select:
    """Registrations of the event matching ``filters``, newest last, with a
    ``checked_in`` column (one query, whatever the number of rows)."""
    checked = sa.exists().where(CheckIn.registration_id == Registration.id)
    q = sa.select(Registration, checked.label("checked_in")).where(Registration.event_id == event.id)
    if filters.q:
        like = f"%{_escape_like(filters.q.lower())}%"
        q = q.where(sa.or_(*(sa.func.lower(col).like(like, escape="\\") for col in (
            Registration.name, Registration.email, Registration.organization, Registration.country))))
    if filters.modality is not None:
        q = q.where(Registration.modality == filters.modality)
    if filters.status is not None:
        q = q.where(Registration.status == filters.status)
    if filters.category is not None:
        q = q.where(Registration.category == filters.category)
    if filters.checked_in is not None:
        q = q.where(checked if filters.checked_in else ~checked)
    return q.order_by(Registration.created_at, Registration.id)


def participants(event: Event) -> list[Registration]:
    """The public participant list: confirmed people who agreed to be listed."""
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
        Registration.consent_listed.is_(True), Registration.erased_at.is_(None))
        .order_by(sa.func.lower(Registration.name), Registration.id)))


@use_case
def write_to_group(event: Event, filters: Filters, subject: str, body: str) -> int:
    """Queue one mail per registrant matching ``filters`` (erased people excluded);
    returns how many. Cancelled and declined people are written to only when the
    filter asks for that status explicitly."""
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    errors = {}
    if not subject or len(subject) > 200:
        errors["subject"] = ["Enter a subject (at most 200 characters)."]
    if not body or len(body) > 20000:
        errors["body"] = ["Enter a message (at most 20,000 characters)."]
    if errors:
        raise ValidationFailed("Please correct the message.", fields=errors)
    q = registrant_query(event, filters).where(Registration.erased_at.is_(None))
    if filters.status is None:
        q = q.where(Registration.status.in_(ACTIVE))
    addresses = [reg.email for reg, _ in db.session.execute(q)]
    from ..mail.outbox import queue_mail

    footer = (f"\n\n--\nYou receive this because you registered for {event.title}.\n"
              f"{mails.event_urls(event)['event_url']}")
    for address in dict.fromkeys(addresses):
        queue_mail(to=address, subject=f"{event.title}: {subject}", text=body + footer,
                   html=mails.text_to_html(body + footer), kind="organizer_message",
                   event_id=event.id)
    return len(set(addresses))


def outbox_for(event: Event, limit: int = 200) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def outbox_counts(event: Event) -> dict[OutboxStatus, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                              .where(OutboxMessage.event_id == event.id)
                              .group_by(OutboxMessage.status))
    out = {s: 0 for s in OutboxStatus}
    out.update({s: n for s, n in rows})
    return out


def status_counts(event: Event) -> dict:
    """{modality: {status: n}} for the event (one query)."""
    from ..registration_counts import counts_by_modality

    return counts_by_modality(event)
