"""The use-case wrapper: one transaction per use case, committed on success, rolled back
on any exception, so a failed use case never leaves a lock behind (contract issue)."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventsapp.db_tx import lock_event, transaction, use_case
from eventsapp.errors import ValidationFailed
from eventsapp.extensions import db
from eventsapp.models import Event, Room
from eventsapp.programme import services


def _other_writer_time(app, event_id: int) -> float:
    """Seconds another thread (own app context, own connection) needs to take the event
    lock and write; 5+ means it waited for a lock someone kept."""
    result: dict = {}

    def run():
        with app.app_context():
            conn_opts = {}
            if db.engine.dialect.name == "postgresql":
                conn_opts = {"lock_timeout": "5s"}
            start = time.monotonic()
            try:
                with transaction():
                    if conn_opts:
                        db.session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
                    event = lock_event(event_id)
                    event.venue_name = "Changed by the other writer"
                result["t"] = time.monotonic() - start
            except Exception as exc:  # noqa: BLE001  (reported below)
                result["error"] = repr(exc)
            finally:
                db.session.remove()

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert "error" not in result, result
    return result["t"]


@pytest.fixture
def short_busy_timeout(app):
    """SQLite waits 30 s for a lock by default: make a kept lock fail fast instead."""
    if db.engine.dialect.name == "sqlite":
        @sa.event.listens_for(db.engine, "connect")
        def _short(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA busy_timeout=5000")
        db.engine.dispose()
    yield


def test_failed_use_case_releases_the_lock_at_once(app, make_event, short_busy_timeout):
    event = make_event()
    event_id = event.id
    bad = {"type": "keynote", "title": "", "starts_at": event.starts_at,
           "ends_at": event.starts_at + timedelta(hours=1)}
    with pytest.raises(ValidationFailed):
        services.create_session(event, bad)
    # The view would now re-render its form: nothing of the use case is still open.
    assert not db.session().in_transaction()
    assert _other_writer_time(app, event_id) < 2.0
    db.session.rollback()  # SQLite (WAL) reads in a snapshot: start a fresh one
    assert db.session.get(Event, event.id).venue_name == "Changed by the other writer"


def test_use_case_commits_on_success_and_rolls_back_on_error(app, make_event):
    event = make_event()

    @use_case
    def add_then_fail(event_id: int) -> None:
        lock_event(event_id)
        db.session.add(Room(event_id=event_id, name="Half-written"))
        db.session.flush()
        raise ValidationFailed("no")

    with pytest.raises(ValidationFailed):
        add_then_fail(event.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0

    services.create_room(event, {"name": "Whole"})
    db.session.expire_all()
    assert [r.name for r in db.session.scalars(sa.select(Room))] == ["Whole"]


def test_services_never_commit_inside_a_use_case(app, make_event):
    event = make_event()

    @use_case
    def commits_itself(event_id: int) -> None:
        db.session.add(Room(event_id=event_id, name="Sneaky"))
        db.session.commit()

    with pytest.raises(RuntimeError, match="only the use case"):
        commits_itself(event.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0


def test_nested_use_cases_join_the_outer_one(app, make_event):
    event = make_event()
    with pytest.raises(ValidationFailed), transaction():
        services.create_room(event, {"name": "Inner"})  # joins, does not commit
        raise ValidationFailed("outer fails")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0
