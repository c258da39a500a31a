"""Migration 0014: visa letter settings on events (off for existing events) and the
requests table, and back.

Drives Alembic on an empty database of each backend (SQLite file; PostgreSQL with
TEST_DATABASE_URL): upgrade to 0013, write an event and a registration, upgrade to 0014,
check the defaults and that a request can be stored, downgrade 0014 alone, check.
"""
from __future__ import annotations

import sqlalchemy as sa

from eventsapp.extensions import db as _db

from .test_migration_countries import _insert
from .test_migration_registration_settings import _meta, _rows
from .test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)


def test_visa_columns_and_table_come_and_go(empty_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision="0013")
    with _db.engine.begin() as conn:
        meta = _meta(conn)
        event = _insert(conn, meta, "events", 1, kind="other", format="hybrid", timezone="UTC")
        reg = _insert(conn, meta, "registrations", 1, event_id=event, status="confirmed",
                      modality="in_person", category="participant")

    upgrade(revision="0014")
    assert _rows("events", "visa_letters", "visa_organizer", "visa_signatory_name",
                 "visa_signatory_title") == [(False, "", "", "")]
    from eventsapp.models import Event, VisaLetterRequest, VisaLetterStatus

    assert _db.session.get(Event, event).visa_letters is False
    req = VisaLetterRequest(registration_id=reg, event_id=event, nationality="RW",
                            passport_number="PC1234567")
    _db.session.add(req)
    _db.session.commit()
    assert _db.session.get(VisaLetterRequest, req.id).status is VisaLetterStatus.REQUESTED
    _db.session.remove()

    downgrade(revision="0013")  # 0014 alone
    names = sa.inspect(_db.engine).get_table_names()
    assert "visa_letter_requests" not in names
    columns = {c["name"] for c in sa.inspect(_db.engine).get_columns("events")}
    assert not {c for c in columns if c.startswith("visa_")}
    assert _rows("registrations", "status") == [("confirmed",)]

    upgrade()
    assert "visa_letter_requests" in sa.inspect(_db.engine).get_table_names()
