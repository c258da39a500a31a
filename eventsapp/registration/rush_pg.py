"""The PostgreSQL rush path of ``register``.

The event lock queues every registration of the event, so on PostgreSQL the usual
cases (a new address placed as chosen, or put on the waiting list it asked for, or
left pending moderation when its category needs approval) hold it for two statements
and the COMMIT, sent together in one psycopg pipeline (see ``_lock_place_commit``), so
no Python work and no network round trip happens under it: everything else is done
before the lock, on a snapshot of the event (mails rendered for each possible
outcome). The lock is taken only if the event row is still that snapshot (same xmin:
no UPDATE committed since), so every check made on it still holds. Then ONE statement
counts the modality's rows (a new statement, hence a snapshot taken after the lock: it
sees every registration committed by the previous holder; counting in the statement
that waits for the lock would not), decides the status with the capacity rule of the
general path (``capacity.room_condition``), inserts the registration (ON CONFLICT on
(event, email): a known address inserts nothing) and its mail. Anything else (waiting
list to promote, full without a waitlist choice, switch of modality, event changed in
between) inserts nothing and takes the general path.

A registration on behalf of an organization never comes here (``register`` sends it to
the general path): whether it waits for a focal point depends on the organization's
focal points and quotas, read under the event lock, which this one statement does not
read; and delegates are few (an organization's handful), not the rush this path is for.
Nor does a registration with an invitation code: whether the code may still be used is
counted under the event lock (its uses, ``registration.invitations``), and its use is a
row of its own written with the registration; invitees are few too.

The statements are built from the table objects (every column of ``registrations``
and ``outbox`` but the id, from the unsaved ORM objects), compiled once per dialect to
SQL and parameters, and sent to psycopg as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.types import UserDefinedType

from ..db_tx import begin_write
from ..errors import NotFound
from ..extensions import db
from ..mail.delivery import note_queued
from ..models import (
    Event,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
    utcnow,
)
from . import mails
from .capacity import capacity_of, counts_select, room_condition
from .register import Outcome, RegisterResult
from .schemas import IfFull
from .window import public_category, require_offered, require_open


class Fallback(Enum):
    """Why the rush path inserted nothing."""

    SLOW = "slow"    # the general path must decide (the caller rolls back)
    KNOWN = "known"  # the address is registered already


SLOW = Fallback.SLOW

REGISTRATIONS = cast(sa.Table, Registration.__table__)
OUTBOX = cast(sa.Table, OutboxMessage.__table__)
EVENTS = cast(sa.Table, Event.__table__)
# Decided by the statement itself (under the lock), not bound from the ORM object.
DECIDED = ("status", "confirmed_at", "waitlisted_at")
# The mail's columns that depend on the decided status ("c": confirmed or pending,
# "w": waitlisted); the others are bound once.
MAIL_VARIANTS = ("kind", "subject", "body_text", "body_html")


class _Xid(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID"


def _param(name: str, column: sa.Column[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


def _unchanged() -> sa.ColumnElement[bool]:
    """The event row is still the snapshot the caller checked (its xmin)."""
    return sa.and_(EVENTS.c.id == _param("event_id", REGISTRATIONS.c.event_id),
                   sa.literal_column("events.xmin", _Xid())
                   == sa.cast(sa.bindparam("xmin", type_=sa.String), _Xid()))


def lock_statement() -> sa.Select[Any]:
    """Lock the event row if it is unchanged (else select nothing)."""
    return (sa.select(sa.literal(1)).select_from(EVENTS).where(_unchanged())
            .with_for_update(key_share=True))  # FOR NO KEY UPDATE, as db_tx.lock_event


def _decision() -> sa.CTE:
    """One row: the status the rule gives (NULL: the general path decides), or no row
    when the event changed."""
    c = counts_select(_param("event_id", REGISTRATIONS.c.event_id),
                      _param("modality", REGISTRATIONS.c.modality)).cte("c")
    fixed = sa.bindparam("fixed_status", type_=sa.String)
    confirmed = RegistrationStatus.CONFIRMED.value
    status = sa.case(
        (fixed.is_not(None), fixed),
        (room_condition(c.c.taken, sa.bindparam("capacity", type_=sa.Integer)),
         sa.case((c.c.waitlisted == 0, sa.literal(confirmed)))),  # else: promote first
        (sa.bindparam("waitlist", type_=sa.Boolean), sa.literal(RegistrationStatus.WAITLISTED.value)),
    )
    return (sa.select(status.label("status")).select_from(c)
            .where(sa.exists().where(_unchanged())).cte("d"))


def place_statement() -> sa.Select[Any]:
    """Decide, insert the registration and its mail; selects (status, registration id,
    mail id)."""
    d = _decision()
    now = _param("now", REGISTRATIONS.c.confirmed_at)
    decided = {
        "status": d.c.status,
        "confirmed_at": sa.case((d.c.status == RegistrationStatus.CONFIRMED.value, now)),
        "waitlisted_at": sa.case((d.c.status == RegistrationStatus.WAITLISTED.value, now)),
    }
    reg_cols = [c for c in REGISTRATIONS.columns if not c.primary_key]
    r = (pg_insert(REGISTRATIONS)
         .from_select([c.name for c in reg_cols],
                      sa.select(*(decided.get(c.name, _param(c.name, c)) for c in reg_cols))
                      .select_from(d).where(d.c.status.is_not(None)))
         .on_conflict_do_nothing(index_elements=[REGISTRATIONS.c.event_id, REGISTRATIONS.c.email])
         .returning(REGISTRATIONS.c.id, REGISTRATIONS.c.status)
         .cte("r"))
    waitlisted = r.c.status == RegistrationStatus.WAITLISTED.value

    def mail_value(col: sa.Column[Any]) -> sa.ColumnElement[Any]:
        if col.name in MAIL_VARIANTS:
            return sa.case((waitlisted, _param(f"w_{col.name}", col)),
                           else_=_param(f"c_{col.name}", col))
        return _param(f"m_{col.name}", col)

    mail_cols = [c for c in OUTBOX.columns if not c.primary_key]
    m = (sa.insert(OUTBOX)
         .from_select([c.name for c in mail_cols],
                      sa.select(*(mail_value(c) for c in mail_cols)).select_from(r))
         .returning(OUTBOX.c.id)
         .cte("m"))
    return (sa.select(d.c.status, r.c.id, sa.select(m.c.id).scalar_subquery())
            .select_from(d.outerjoin(r, sa.true())))


@dataclass(frozen=True)
class _Compiled:
    """A statement as SQL for the driver, with what turns values into its parameters."""

    statement: sa.Select[Any]
    compiled: Compiled
    processors: dict[str, Any]

    @property
    def sql(self) -> str:
        return self.compiled.string

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """The driver's parameters: literals of the statement, then ``values``, each
        through its type's bind processor (enums to their values, UTC instants)."""
        raw = self.compiled.construct_params(values) or {}
        return {k: (self.processors[k](v) if self.processors.get(k) and v is not None else v)
                for k, v in raw.items()}


def _compile(statement: sa.Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                  for bind, name in compiled.bind_names.items()}
    return _Compiled(statement, compiled, processors)


@lru_cache(maxsize=8)  # one entry per engine (tests make many)
def statements(dialect: Dialect) -> tuple[_Compiled, _Compiled]:
    """The lock and the place-and-insert statements, compiled once per dialect."""
    return _compile(lock_statement(), dialect), _compile(place_statement(), dialect)


def _lock_place_commit(values: dict[str, Any]) -> tuple[Any, ...] | None:
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
    lock, place = statements(conn.dialect)
    raw = conn.connection.driver_connection
    import psycopg

    if isinstance(raw, psycopg.Connection) and psycopg.Pipeline.is_supported():
        lock_params, place_params = lock.params(values), place.params(values)
        with raw.pipeline():
            raw.execute(lock.sql, lock_params)
            cur = raw.execute(place.sql, place_params)
            raw.commit()
        row = cur.fetchone()  # SQLAlchemy's COMMIT that follows finds nothing to do
    else:
        if conn.execute(lock.statement, values).first() is None:
            return None
        row = conn.execute(place.statement, values).first()
        db.session.commit()
    return tuple(row) if row is not None else None


def _column_values(obj: Any, table: sa.Table, prefix: str = "") -> dict[str, Any]:
    """The values ``obj`` (unsaved) would be inserted with: its attributes, else the
    columns' Python-side defaults, as the ORM's flush would write them."""
    mapper = sa.inspect(type(obj))
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.primary_key:
            continue
        value = getattr(obj, mapper.get_property_by_column(col).key)
        if value is None and col.default is not None:
            default: Any = col.default
            value = default.arg(None) if default.is_callable else default.arg
        out[prefix + col.name] = value
    return out


def _outbox_row(mail: dict[str, Any], created: datetime) -> OutboxMessage:
    return OutboxMessage(event_id=mail["event_id"], kind=mail["kind"][:40], to_address=mail["to"],
                         subject=mail["subject"][:300], body_text=mail["text"],
                         body_html=mail["html"], status=OutboxStatus.PENDING, attempts=0,
                         last_error="", created_at=created, next_attempt_at=created, sent_at=None)


def _mails(reg: Registration, event: Event, token: str, if_full: IfFull | None,
           created: datetime) -> dict[str, OutboxMessage]:
    """The mail for each outcome, rendered before the lock: "c" (confirmed, or pending
    under moderation) and "w" (waitlisted)."""
    if event.needs_approval(reg.category):
        kinds = {"c": "pending", "w": "pending"}
    else:
        kinds = {"c": "confirmation",
                 "w": "waitlisted" if if_full is IfFull.WAITLIST else "confirmation"}
    c = _outbox_row(mails.render(kinds["c"], reg, event, token=token), created)
    w = c if kinds["w"] == kinds["c"] else \
        _outbox_row(mails.render(kinds["w"], reg, event, token=token), created)
    return {"c": c, "w": w}


def _values(event: Event, xmin: str, reg: Registration, if_full: IfFull | None,
            rendered: dict[str, OutboxMessage], now: datetime) -> dict[str, Any]:
    values = {
        "event_id": event.id, "xmin": xmin,
        "fixed_status": (RegistrationStatus.PENDING.value
                         if event.needs_approval(reg.category) else None),
        "capacity": capacity_of(event, reg.modality), "waitlist": if_full is IfFull.WAITLIST,
        "now": now,
        **_column_values(reg, REGISTRATIONS),
        **_column_values(rendered["c"], OUTBOX, "m_"),
    }
    for key, mail in rendered.items():
        variant = _column_values(mail, OUTBOX, f"{key}_")
        values.update({f"{key}_{name}": variant[f"{key}_{name}"] for name in MAIL_VARIANTS})
    return values


def register_pg(event_id: int, reg: Registration, token: str, *, if_full: IfFull | None,
                now: datetime) -> RegisterResult | Fallback:
    """A new address on PostgreSQL: the registration, or why the caller must go on
    (Fallback.KNOWN: the address is known; Fallback.SLOW: the general path decides; the
    caller rolls back either way)."""
    begin_write()
    row = db.session.execute(
        sa.select(Event, sa.literal_column("events.xmin::text", sa.String)).where(Event.id == event_id)
        .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound(_("No such event."))
    event, xmin = row
    require_open(event, now)
    require_offered(event, reg.modality)
    reg.category = public_category(event, reg.category)
    created = utcnow()
    reg.over_capacity = False
    reg.created_at = reg.updated_at = created
    rendered = _mails(reg, event, token, if_full, created)
    now_utc = now.astimezone(UTC)
    # The event lock is held only inside this call (committed, even when nothing was
    # inserted: then the caller's rollback finds nothing to undo).
    placed = _lock_place_commit(_values(event, xmin, reg, if_full, rendered, now_utc))
    db.session.commit()
    if placed is None or placed[0] is None:
        # The event changed since it was read, or the general path must decide
        # (a waiting list to promote, full without a waitlist choice).
        return Fallback.SLOW
    status, reg_id, mail_id = placed
    if reg_id is None:
        return Fallback.KNOWN
    _attach(reg, reg_id, RegistrationStatus(status), now_utc)
    msg = rendered["w" if reg.status is RegistrationStatus.WAITLISTED else "c"]
    msg.id = mail_id
    make_transient_to_detached(msg)
    db.session.add(msg)
    note_queued(msg)
    return RegisterResult(Outcome.CREATED, reg, token, [])


def _attach(reg: Registration, reg_id: int, status: RegistrationStatus, now: datetime) -> None:
    """``reg`` as the row just inserted, in the session without a query."""
    reg.id = reg_id
    reg.status = status
    reg.confirmed_at = now if status is RegistrationStatus.CONFIRMED else None
    reg.waitlisted_at = now if status is RegistrationStatus.WAITLISTED else None
    for col in REGISTRATIONS.columns:  # what the INSERT left NULL, loaded as such
        key = sa.inspect(Registration).get_property_by_column(col).key
        if getattr(reg, key) is None:
            setattr(reg, key, None)
    make_transient_to_detached(reg)
    db.session.add(reg)
