"""Transactions that write under contention, the same way on SQLite and PostgreSQL.

PostgreSQL: a normal transaction; ``lock_event`` takes ``SELECT ... FOR NO KEY UPDATE`` on
the event row, so capacity decisions for one event happen one at a time. (Not ``FOR
UPDATE``: that lock also blocks inserts into tables that reference the event, such as
check-ins and the outbox, during a registration rush; ``FOR NO KEY UPDATE`` still
excludes every other ``lock_event`` and every UPDATE or DELETE of the row.)

SQLite: pysqlite's own transaction handling starts transactions late and cannot take
the write lock up front, so a read-then-write transaction can fail with "database is
locked" when another writer got in between. We take over BEGIN (see ``configure_engine``)
and start write transactions with ``BEGIN IMMEDIATE``: the write lock is held from the
first statement, and waiting writers queue on the busy timeout instead of failing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import CursorResult, Engine, Result

from .extensions import db
from .models import Event

SQLITE_IMMEDIATE = "eventsapp_sqlite_immediate"


def configure_engine(engine: Engine) -> None:
    """Per-connection settings; called once for each engine the app creates."""
    install_commit_guard()
    if engine.dialect.name != "sqlite":
        return

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IN_USE_CASE = "eventsapp_use_case"
P = ParamSpec("P")
R = TypeVar("R")


def in_use_case() -> bool:
    return bool(db.session().info.get(_IN_USE_CASE))


@contextmanager
def transaction(*, write: bool = True) -> Iterator[None]:
    """One use case in one transaction: begin (on SQLite, with the write lock when
    ``write``), commit when the block succeeds, roll back on any exception.

    Services run inside it and never commit: so a failed use case releases every lock
    (SQLite's write lock, PostgreSQL's event-row lock) before the view re-renders its
    form, and nothing half-written survives. Nested use cases join the outer one.
    """
    session = db.session()
    if session.info.get(_IN_USE_CASE):
        yield
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a use case started with unsaved changes in the session")
    if session.in_transaction():
        session.commit()  # end the request's read transaction: its snapshot is stale
    if write and is_sqlite():
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
    else:
        session.connection()
    session.info[_IN_USE_CASE] = True
    try:
        yield
    except BaseException:
        session.info.pop(_IN_USE_CASE, None)
        session.rollback()
        raise
    session.info.pop(_IN_USE_CASE, None)
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _refuse_commit_inside_use_case(session) -> None:
    # Releasing a SAVEPOINT (begin_nested) also fires before_commit: that is allowed.
    if session.info.get(_IN_USE_CASE) and session.get_nested_transaction() is None:
        raise RuntimeError("a service committed inside a use case: only the use case "
                           "wrapper (eventsapp.db_tx.transaction) commits")


_guard_installed = False


def install_commit_guard() -> None:
    """Make a commit inside a use case an error (once per process: the listener is on
    the session class, shared by every app)."""
    global _guard_installed
    if not _guard_installed:
        sa_event.listen(db.session, "before_commit", _refuse_commit_inside_use_case)
        _guard_installed = True


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: the function is one use case (see ``transaction``)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction():
            return func(*args, **kwargs)

    return wrapper


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def begin_write() -> None:
    """Start a fresh write transaction (ending the current one, which must hold no
    unsaved changes). On SQLite it takes the database write lock at once."""
    if in_use_case():
        return  # the use case began with the write lock already
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("begin_write() with unsaved changes in the session")
    if db.session().in_transaction():  # scoped_session does not proxy it
        db.session.commit()
    if is_sqlite():
        db.session.connection(execution_options={SQLITE_IMMEDIATE: True})
    else:
        db.session.connection()


def lock_event(event_id: int) -> Event:
    """Begin a write transaction holding the lock on one event's row; return the event.

    Capacity decisions (registration, promotion from the waiting list) are made after
    this call, counting rows, and committed before the lock is released.
    """
    begin_write()
    event = db.session.execute(
        sa.select(Event).where(Event.id == event_id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if event is None:
        from flask_babel import gettext

        from .errors import NotFound

        raise NotFound(gettext("No such event."))
    return event


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """Rows matched by an UPDATE or DELETE run with ``db.session.execute``.

    The Session returns a CursorResult for those, which has ``rowcount``; SQLAlchemy 2.1
    types ``Session.execute`` as returning a plain Result, which has not.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no rowcount (not an UPDATE or DELETE)")
    return result.rowcount


def try_lock_event(event_id: int) -> Event | None:
    """``lock_event``, for periodic jobs: None at once when another transaction holds
    the event's lock (PostgreSQL ``SKIP LOCKED``: the job takes the event on its next
    run instead of queueing behind it) or when the event is gone. SQLite has one
    writer at a time anyway: there it waits for the write lock like ``lock_event``."""
    begin_write()
    return db.session.execute(
        sa.select(Event).where(Event.id == event_id)
        .with_for_update(key_share=True, skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
